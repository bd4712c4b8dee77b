package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/bricksmq/bricks/apps"
	"github.com/bricksmq/bricks/supervision"
	"github.com/bricksmq/bricks/supervision/statuspage"
	"github.com/spf13/cobra"
)

// runCmd runs a tree in the foreground until a signal or the root's failure.
var runCmd = &cobra.Command{
	Use:   "run TREE.yaml",
	Short: "Run a supervision tree in the foreground",
	Long: "run loads TREE.yaml (as `bricks check` does) and starts its nodes in order.\n" +
		"SIGINT or SIGTERM stop it gracefully, children in reverse order, each within its\n" +
		"shutdown; a second one exits at once (status 130). SIGHUP reloads the file and\n" +
		"applies the difference: new nodes start, removed ones stop, changed ones restart,\n" +
		"the rest keep running; a file with problems is refused and the tree left as it is.\n" +
		"When the root gives up, run logs which child exhausted its intensity and exits 1.\n\n" +
		"--http ADDR serves the live tree while it runs: an HTML page that refreshes\n" +
		"itself, /status.json, /tree.txt, /tree.dot, /tree.mermaid (annotated with each\n" +
		"node's state and restarts) and /metrics for Prometheus. Keep ADDR on a\n" +
		"loopback or otherwise private interface: the page has no authentication.",
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		logger, err := newLogger(cmd.ErrOrStderr(), runLogLevel, runLogFormat)
		if err != nil {
			return err
		}
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
		defer signal.Stop(sigs)
		return runTree(cmd.Context(), args[0], cmd.ErrOrStderr(), logger, sigs, nil)
	},
}

var runLogLevel, runLogFormat, runHTTP string

func init() {
	runCmd.Flags().StringVar(&runLogLevel, "log-level", "info", "debug, info, warn or error")
	runCmd.Flags().StringVar(&runLogFormat, "log-format", "text", "text or json")
	runCmd.Flags().StringVar(&runHTTP, "http", "", "serve the live tree's status page, JSON, drawings and metrics on this address (e.g. 127.0.0.1:8080)")
	rootCmd.AddCommand(runCmd)
}

// newLogger builds the structured logger of a run (never coloured).
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: unknown format %q (want text or json)", format)
}

// runTree runs the tree in path until a stop signal or the end of the tree.
// started, when set, is called once the tree is up (for tests).
func runTree(ctx context.Context, path string, stderr io.Writer, logger *slog.Logger, sigs <-chan os.Signal, started func(*supervision.Running)) error {
	tree, err := loadTree(stderr, path)
	if err != nil {
		return err
	}
	return runLoaded(ctx, tree, path, stderr, logger, sigs, started)
}

// runLoaded runs a loaded tree until a stop signal or the end of the tree;
// path names it in logs and is read again on SIGHUP. `bricks stompclt`
// runs its converted tree through here too.
func runLoaded(ctx context.Context, tree *supervision.Tree, path string, stderr io.Writer, logger *slog.Logger, sigs <-chan os.Signal, started func(*supervision.Running)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var page *statuspage.Server
	if runHTTP != "" {
		// Listening first makes a taken address fail before anything starts.
		srv, err := statuspage.Listen(runHTTP)
		if err != nil {
			logger.Error("status page failed to start", slog.String("addr", runHTTP), slog.String("reason", err.Error()))
			return &exitError{code: 1, err: fmt.Errorf("--http: %w", err)}
		}
		page = srv
		defer closePage(page, logger)
	}
	r, sig, err := startInterruptible(ctx, tree, logger, sigs)
	switch {
	case sig != nil && err != nil:
		// Start stopped, in reverse order, whatever had started.
		logger.Info("stopped while starting", slog.String("signal", sig.String()), slog.String("reason", err.Error()))
		return nil
	case err != nil:
		logger.Error("tree failed to start", slog.String("file", path), slog.String("reason", err.Error()))
		return &exitError{code: 1, err: fmt.Errorf("%s: %w", path, err)}
	case sig != nil: // came as the start ended
		logger.Info("stopping", slog.String("signal", sig.String()))
		return stopTree(r, path, logger, sigs)
	}
	logger.Info("tree running", slog.String("file", path), slog.String("root", tree.Root.Name))
	var status *statuspage.Handler
	if page != nil {
		status = statuspage.New(r, tree, statuspage.WithLogger(logger))
		addTransferMetrics(status, logger)
		page.Serve(status, logger)
		logger.Info("status page", slog.String("url", "http://"+page.Addr().String()+"/"))
	}
	if started != nil {
		started(r)
	}
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if t := reload(ctx, r, path, stderr, logger); t != nil && status != nil {
					status.SetTree(t)
				}
				continue
			}
			logger.Info("stopping", slog.String("signal", sig.String()))
			return stopTree(r, path, logger, sigs)
		case <-r.Done():
			if err := r.Wait(); err != nil {
				return treeFailed(logger, path, err)
			}
			logger.Info("tree ended")
			return nil
		}
	}
}

// startInterruptible starts the tree, giving up on the first SIGINT or
// SIGTERM: a start can wait a long time (a broker that is down, a child
// that is slow to be ready), and the user must be able to stop it without
// SIGKILL. It returns the signal that came, if any. SIGHUP cannot reload
// a tree that is not running yet: it is logged and ignored.
func startInterruptible(ctx context.Context, tree *supervision.Tree, logger *slog.Logger, sigs <-chan os.Signal) (*supervision.Running, os.Signal, error) {
	startCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan struct{})
	got := make(chan os.Signal, 1) // the signal, or closed without one
	go func() {
		defer close(got)
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGHUP {
					logger.Info("reload ignored: the tree is still starting")
					continue
				}
				got <- sig
				cancel()
				return
			case <-started:
				return
			}
		}
	}()
	r, err := supervision.Start(startCtx, tree, supervision.WithLogger(logger))
	close(started)
	return r, <-got, err // a signal taken from sigs is never dropped
}

// stopTree stops the tree gracefully; a second SIGINT or SIGTERM gives up
// waiting and exits at once (what is still running is left to the OS).
func stopTree(r *supervision.Running, path string, logger *slog.Logger, sigs <-chan os.Signal) error {
	stopped := make(chan error, 1)
	go func() { stopped <- r.Stop(context.Background()) }()
	for {
		select {
		case err := <-stopped:
			if err != nil {
				return treeFailed(logger, path, err)
			}
			logger.Info("stopped")
			return nil
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				continue // no reload while stopping
			}
			logger.Error("second signal: exiting without waiting for the tree to stop", slog.String("signal", sig.String()))
			return &exitError{code: 130, err: fmt.Errorf("%s: stop interrupted by %s", path, sig)}
		}
	}
}

// reload applies the tree file's new content and returns it; a file with
// problems leaves the running tree as it is (and returns nil).
func reload(ctx context.Context, r *supervision.Running, path string, stderr io.Writer, logger *slog.Logger) *supervision.Tree {
	logger.Info("reloading", slog.String("file", path))
	tree, err := loadTree(stderr, path)
	if err != nil {
		logger.Error("reload refused; tree unchanged", slog.String("file", path), slog.String("reason", err.Error()))
		return nil
	}
	if err := r.Apply(ctx, tree); err != nil {
		logger.Error("reload failed", slog.String("file", path), slog.String("reason", err.Error()))
		return nil
	}
	logger.Info("reloaded", slog.String("file", path))
	return tree
}

// closePage stops the status page with the tree, letting requests in
// progress finish for a moment.
func closePage(page *statuspage.Server, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := page.Close(ctx); err != nil {
		logger.Warn("status page: closing", slog.String("reason", err.Error()))
	}
}

// addTransferMetrics exports the statistics of every transfer.stats stage
// (apps.TransferStatistics) on the status page's /metrics.
func addTransferMetrics(h *statuspage.Handler, logger *slog.Logger) {
	stat := func(get func(apps.Statistics) int64) func(string) (float64, bool) {
		return func(path string) (float64, bool) {
			s, ok := apps.TransferStatistics(path)
			return float64(get(s)), ok
		}
	}
	err := h.AddKindMetrics("transfer.stats",
		statuspage.KindMetric{Name: "bricks_transfer_messages_total", Help: "Messages the transfer's sink confirmed.", Counter: true,
			Value: stat(func(s apps.Statistics) int64 { return s.Messages })},
		statuspage.KindMetric{Name: "bricks_transfer_bytes_total", Help: "Serialized size of the confirmed messages.", Counter: true,
			Value: stat(func(s apps.Statistics) int64 { return s.Bytes })},
		statuspage.KindMetric{Name: "bricks_transfer_rejected_total", Help: "Messages the transfer's sink refused for good.", Counter: true,
			Value: stat(func(s apps.Statistics) int64 { return s.Rejected })})
	if err != nil {
		logger.Warn("status page: no transfer metrics", slog.String("reason", err.Error()))
	}
}

func treeFailed(logger *slog.Logger, path string, err error) error {
	logger.Error("tree failed", slog.String("file", path), slog.String("reason", err.Error()))
	return &exitError{code: 1, err: fmt.Errorf("%s: %w", path, err)}
}
