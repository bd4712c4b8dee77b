package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
	"github.com/spf13/cobra"
)

// checkCmd validates tree files without starting anything.
var checkCmd = &cobra.Command{
	Use:   "check TREE.yaml...",
	Short: "Validate tree files; --print shows each with every default filled in",
	Long: "check loads each tree file as `bricks run` would — includes, ${ENV} references,\n" +
		"secret files, every kind's with: block — and reports every problem as\n" +
		"file:line:col: path: message. It exits 1 when any file has a problem.",
	Args: cobra.MinimumNArgs(1),
	RunE: runCheck,
}

var checkPrint bool

func init() {
	checkCmd.Flags().BoolVar(&checkPrint, "print", false, "print each tree as YAML with every default filled in (secrets redacted)")
	rootCmd.AddCommand(checkCmd)
}

func runCheck(cmd *cobra.Command, args []string) error {
	failed, printed := 0, 0
	for _, path := range args {
		t, err := loadTree(cmd.ErrOrStderr(), path)
		if err != nil {
			failed++
			continue
		}
		if checkPrint {
			if printed > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "---") // several files print as one YAML stream
			}
			printed++
			if err := supervision.WriteYAML(cmd.OutOrStdout(), t); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d nodes)\n", path, countNodes(t.Root))
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d tree files have problems", failed, len(args))}
	}
	return nil
}

// loadTree loads a tree file and, when it has problems, writes them one per
// line to stderr before returning the error.
func loadTree(stderr io.Writer, path string) (*supervision.Tree, error) {
	t, err := supervision.Load(path)
	if err != nil {
		var errs actors.ConfigErrors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
		} else {
			fmt.Fprintln(stderr, err)
		}
		return nil, &exitError{code: 1, err: fmt.Errorf("%s: %d problems", path, max(len(errs), 1))}
	}
	return t, nil
}

func countNodes(n *supervision.Node) int {
	c := 1
	for _, k := range n.Children {
		c += countNodes(k)
	}
	return c
}
