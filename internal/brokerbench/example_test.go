package brokerbench_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bricksmq/bricks/internal/brokerbench"
)

// ExampleRun benchmarks the in-process embedded broker and prints the
// table (rates vary from run to run, hence no checked output).
func ExampleRun() {
	e, err := brokerbench.StartEmbedded(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Stop(context.Background())
	rep, err := brokerbench.Run(context.Background(), brokerbench.Config{URI: e.URI(), N: 1000, Runs: 3}, os.Stderr)
	if err != nil {
		fmt.Println(err)
		return
	}
	brokerbench.Print(os.Stdout, rep)
}
