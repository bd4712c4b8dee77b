package main

import (
	"github.com/bricksmq/bricks/supervision/bench"
	"github.com/spf13/cobra"
)

// benchSupervisionCmd compares supervision trees with bare protoactor-go.
var benchSupervisionCmd = &cobra.Command{
	Use:   "supervision",
	Short: "Restart latency and wide-tree cost next to bare protoactor-go",
	Long: "supervision measures, in one process and with logging off, the latency of restarting\n" +
		"a crashed in-process worker (back-to-back restarts, p50/p99) and the start time, stop\n" +
		"time and memory of a tree of many workers, next to a bare protoactor-go parent and\n" +
		"child doing the same work.",
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, _ []string) error {
		cfg := bench.Config{Restarts: benchRestarts, Workers: benchWorkers}
		bricks, bare, err := bench.Run(cfg)
		if err != nil {
			return err
		}
		bench.Print(cmd.OutOrStdout(), cfg, bricks, bare)
		return nil
	},
}

var benchRestarts, benchWorkers int

func init() {
	benchSupervisionCmd.Flags().IntVar(&benchRestarts, "restarts", bench.DefaultConfig.Restarts, "back-to-back restarts to measure")
	benchSupervisionCmd.Flags().IntVar(&benchWorkers, "workers", bench.DefaultConfig.Workers, "workers in the wide tree")
	benchCmd.AddCommand(benchSupervisionCmd)
}
