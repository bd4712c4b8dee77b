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
		"  bricks tree sender.yaml --format dot | dot -Tsvg > sender.svg\n\n" +
		"An app node (app: transfer) is drawn as one node; --expand draws the\n" +
		"supervision subtree it expands into. The yaml format always shows the\n" +
		"expanded tree, since that is what runs.",
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		t, err := loadTree(cmd.ErrOrStderr(), args[0])
		if err != nil {
			return err
		}
		if !treeExpand && treeFormat != "yaml" {
			t = supervision.Collapsed(t)
		}
		return supervision.Render(cmd.OutOrStdout(), t, treeFormat)
	},
}

var (
	treeFormat string
	treeExpand bool
)

func init() {
	treeCmd.Flags().StringVarP(&treeFormat, "format", "f", "text", "output format: "+strings.Join(supervision.Formats, ", "))
	treeCmd.Flags().BoolVar(&treeExpand, "expand", false, "draw the subtree every app node expands into")
	rootCmd.AddCommand(treeCmd)
}
