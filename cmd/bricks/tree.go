package main

import (
	"strings"

	"github.com/bricksmq/bricks/supervision"
	"github.com/spf13/cobra"
)

// treeCmd draws a tree file.
var treeCmd = &cobra.Command{
	Use:   "tree TREE.yaml",
	Short: "Show a tree file as an indented listing, Graphviz DOT or Mermaid",
	Long: "tree loads and validates a tree file, then draws it. Supervision links are\n" +
		"drawn apart from message flow (the sibling a worker's to: or other sibling\n" +
		"field names). Secrets are redacted.\n\n" +
		"  bricks tree sender.yaml --format dot | dot -Tsvg > sender.svg",
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		t, err := loadTree(cmd.ErrOrStderr(), args[0])
		if err != nil {
			return err
		}
		return supervision.Render(cmd.OutOrStdout(), t, treeFormat)
	},
}

var treeFormat string

func init() {
	treeCmd.Flags().StringVarP(&treeFormat, "format", "f", "text", "output format: "+strings.Join(supervision.Formats, ", "))
	rootCmd.AddCommand(treeCmd)
}
