package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// rootCmd is the `bricks` command; every subcommand adds itself from an init
// function in the file named after it.
var rootCmd = &cobra.Command{
	Use:           "bricks",
	Short:         "Reliable messaging from small supervised bricks",
	Long:          "bricks moves messages between directory queues and STOMP / AMQP 1.0 brokers\nwith supervision trees of actors, without losing any.",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// benchCmd groups the benchmarks (`bricks bench queue`, `bricks bench broker`).
var benchCmd = &cobra.Command{
	Use:   "bench",
	Short: "Measure throughput next to the bare loop that is its physical limit",
}

func init() {
	rootCmd.AddCommand(benchCmd)
}

// exitError carries a specific exit status out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func execute() int {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "bricks:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}
