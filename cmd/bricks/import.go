package main

import (
	"errors"
	"fmt"

	"github.com/bricksmq/bricks/internal/legacy"
	"github.com/spf13/cobra"
)

// importCmd groups the converters of legacy configurations; each format of
// package legacy becomes a subcommand (`bricks import simplevisor FILE`).
var importCmd = &cobra.Command{
	Use:   "import",
	Short: "Convert the configuration of a legacy program into a tree",
	Long: "import reads the configuration file of a program bricks replaces and prints the\n" +
		"equivalent tree YAML on stdout. What cannot be converted, or changes meaning, is\n" +
		"reported on stderr as file:line: message. The exit status is 0 when a tree was\n" +
		"printed (check the reports), 1 when nothing could be converted.",
}

func init() {
	for _, f := range legacy.Formats() {
		importCmd.AddCommand(importFormatCmd(f))
	}
	rootCmd.AddCommand(importCmd)
}

// importFormatCmd is the subcommand of one legacy format.
func importFormatCmd(f legacy.Format) *cobra.Command {
	return &cobra.Command{
		Use:   f.Name + " FILE",
		Short: f.Summary,
		Long:  f.Long + "\n\nThe tree goes to stdout, problems to stderr; exit status 1 when nothing could be converted.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := f.Convert(args[0])
			if err != nil {
				var nc *legacy.ErrNothingConverted
				if errors.As(err, &nc) {
					for _, p := range nc.Problems {
						fmt.Fprintln(cmd.ErrOrStderr(), p)
					}
				}
				return &exitError{code: 1, err: err}
			}
			for _, p := range res.Problems {
				fmt.Fprintln(cmd.ErrOrStderr(), p)
			}
			_, err = cmd.OutOrStdout().Write(res.Tree)
			return err
		},
	}
}
