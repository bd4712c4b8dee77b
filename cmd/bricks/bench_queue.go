package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/bricksmq/bricks/internal/queuebench"
)

func init() {
	var (
		dir, tmpfs, python, script string
		n, runs, size, rss         int
		quiet                      bool
	)
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Directory queue throughput (DQS, DQN) next to bare syscall loops and python-dirq",
		Long: `Adds N elements with 1 KiB bodies, then locks, reads and removes them, for DQS and
DQN, on tmpfs and on the working disk, several runs each (min/median/max
elements/s, heap B/op and allocs/op). Each flavour is followed by a bare Go loop
making exactly the same system calls: the physical limit of the format.
When the python interpreter has python-dirq, tests/dirq/bench.py does the same
work and the Go/python ratio is shown. --rss N also measures the peak RSS while
iterating a queue of N elements.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := queuebench.Config{N: n, Runs: runs, BodySize: size}
			if n <= 0 || runs <= 0 || size < 0 {
				return fmt.Errorf("bench queue: --n and --runs must be positive, --size not negative")
			}
			if tmpfs != "" {
				cfg.Targets = append(cfg.Targets, queuebench.Target{Label: "tmpfs", Dir: tmpfs})
			}
			if dir != "" {
				cfg.Targets = append(cfg.Targets, queuebench.Target{Label: "disk", Dir: dir})
			}
			if python != "" {
				if err := exec.Command(python, "-c", "import dirq").Run(); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "python-dirq not usable with %s (%v): no python column\n", python, err)
				} else if _, err := os.Stat(script); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "%v: no python column (run from the source tree or pass --script)\n", err)
				} else {
					cfg.Python, cfg.Script = python, script
				}
			}
			progress := cmd.ErrOrStderr()
			if quiet {
				progress = nil
			}
			rows, err := queuebench.Run(cfg, progress)
			if err != nil {
				return fmt.Errorf("bench queue: %w", err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "N=%d elements of %d bytes, %d runs; rates in elements/s\n", n, size, runs)
			queuebench.Print(out, rows)
			if rss > 0 {
				where := tmpfs
				if where == "" {
					where = dir
				}
				r, err := queuebench.IterateRSS(where, rss)
				if err != nil {
					return fmt.Errorf("bench queue --rss: %w", err)
				}
				fmt.Fprintf(out, "\niterating %d DQS elements: peak RSS %d KiB (%d KiB before), iteration %v, fill %v\n",
					r.Elements, r.PeakKiB, r.BaseKiB, r.Iterate.Round(1e6), r.Fill.Round(1e6))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", os.TempDir(), "directory on the working disk (empty to skip)")
	f.StringVar(&tmpfs, "tmpfs", "/dev/shm", "directory on tmpfs (empty to skip)")
	f.IntVar(&n, "n", 20000, "elements per run")
	f.IntVar(&runs, "runs", 5, "runs per measurement")
	f.IntVar(&size, "size", 1024, "body size in bytes")
	f.StringVar(&python, "python", "/usr/bin/python3", "python interpreter with python-dirq (empty to skip)")
	f.StringVar(&script, "script", "tests/dirq/bench.py", "python-dirq benchmark script")
	f.IntVar(&rss, "rss", 0, "also measure peak RSS while iterating a queue of this many elements (e.g. 1000000)")
	f.BoolVarP(&quiet, "quiet", "q", false, "no per-run progress on stderr")
	benchCmd.AddCommand(cmd)
}
