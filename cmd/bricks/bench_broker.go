package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/bricksmq/bricks/internal/brokerbench"
)

func init() {
	benchCmd.AddCommand(newBenchBrokerCmd())
}

// newBenchBrokerCmd builds `bricks bench broker` (a constructor, so tests
// run it on a fresh command).
func newBenchBrokerCmd() *cobra.Command {
	var (
		cfg      brokerbench.Config
		embedded bool
		quiet    bool
	)
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Broker throughput (STOMP, AMQP 1.0) next to bare go-stomp / go-amqp loops",
		Long: `Sends N persistent messages (1 KiB bodies) with receipts, at windows of 1, 10 and 100
unconfirmed messages, and consumes them with one acknowledgement each, against one
broker: bare go-stomp / go-amqp loops, the bricks library, and the actor pipeline (a
supervision tree: an in-memory source feeding stomp.sender / amqp.sender at window 100,
stomp.receiver / amqp.receiver feeding a sink that confirms). Prints msg/s
min/median/max over the runs, the share of the bare loop and the machine's load average.

--uri stomp://host:port or amqp://host:port; --embedded benchmarks an in-process
embedded broker (memory storage) instead. On RabbitMQ AMQP 1.0 use a durable queue
declared beforehand: --destination /amq/queue/NAME (a STOMP run on /queue/NAME declares it).`,
		Example: `  bricks bench broker --embedded
  bricks bench broker --uri stomp://127.0.0.1:61613 --user guest --pass guest
  bricks bench broker --uri amqp://127.0.0.1:5672 --user guest --pass guest --destination /amq/queue/bricks-bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if embedded == (cfg.URI != "") {
				return errors.New("bench broker: give either --uri or --embedded")
			}
			if cfg.N <= 0 || cfg.Runs <= 0 || cfg.Size < 0 {
				return errors.New("bench broker: --n and --runs must be positive, --size not negative")
			}
			for _, w := range cfg.Windows {
				if w < 1 {
					return fmt.Errorf("bench broker: --windows: %d is not a window (want at least 1)", w)
				}
			}
			cfg.Logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			if embedded {
				e, err := brokerbench.StartEmbedded(cfg.Logger)
				if err != nil {
					return fmt.Errorf("bench broker: %w", err)
				}
				defer e.Stop(context.Background())
				cfg.URI = e.URI()
			}
			progress := cmd.ErrOrStderr()
			if quiet {
				progress = nil
			}
			rep, err := brokerbench.Run(cmd.Context(), cfg, progress)
			if err != nil {
				return fmt.Errorf("bench broker: %w", err)
			}
			if embedded {
				rep.URI = "embedded broker (memory) at " + rep.URI
			}
			brokerbench.Print(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URI, "uri", "", "broker URI: stomp://host:port or amqp://host:port")
	f.StringVar(&cfg.User, "user", "", "login (STOMP) / SASL PLAIN user (AMQP); none when empty")
	f.StringVar(&cfg.Pass, "pass", "", "passcode / password")
	f.StringVar(&cfg.VirtualHost, "vhost", "/", "STOMP CONNECT host header")
	f.StringVar(&cfg.Destination, "destination", "", `queue to use, empty at the start (default "/queue/bricks-bench" for STOMP, "bricks-bench" for AMQP)`)
	f.IntVar(&cfg.N, "n", 5000, "messages per row and run")
	f.IntVar(&cfg.Size, "size", 1024, "body size in bytes")
	f.IntSliceVar(&cfg.Windows, "windows", []int{1, 10, 100}, "send windows of the bare and library rows")
	f.IntVar(&cfg.Runs, "runs", 3, "runs per row")
	f.BoolVar(&embedded, "embedded", false, "benchmark an in-process embedded broker (memory storage, 127.0.0.1)")
	f.BoolVar(&cfg.NoPipeline, "no-pipeline", false, "leave out the actor pipeline rows")
	f.BoolVarP(&quiet, "quiet", "q", false, "no per-run progress on stderr")
	return cmd
}
