package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bricksmq/bricks/apps"
	"github.com/bricksmq/bricks/internal/legacy"
	"github.com/bricksmq/bricks/supervision"
	"github.com/spf13/cobra"
)

// stompcltCmd is the drop-in for stompclt: its command line, converted
// (package legacy) and run as `bricks run` runs a tree.
var stompcltCmd = &cobra.Command{
	Use:                "stompclt [stompclt options | --conf FILE]",
	Short:              "Run a stompclt command line: a drop-in replacement for stompclt 1.8",
	Long:               stompcltLong,
	DisableFlagParsing: true,
	RunE: func(cmd *cobra.Command, args []string) error {
		sigs := make(chan os.Signal, 4)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
		signal.Ignore(syscall.SIGHUP) // as stompclt
		defer signal.Stop(sigs)
		return runStompclt(cmd.Context(), args, cmd.OutOrStdout(), cmd.ErrOrStderr(), sigs, nil)
	},
}

// stompcltLong is the command's help, and stompclt --manual.
const stompcltLong = "stompclt accepts stompclt's command line and configuration files, converts them as\n" +
	"`bricks import stompclt` does and runs the resulting transfer in the foreground.\n" +
	"Exit status as stompclt: 0 done (or stopped by SIGINT, SIGTERM, SIGQUIT or --quit),\n" +
	"1 --help, 2 usage error, 255 a refused configuration or a failure. --statistics\n" +
	"prints stompclt's statistics text at the end; --status and --quit act on the\n" +
	"process holding --pidfile (touched every second while it runs). --daemon does not\n" +
	"detach: the transfer runs in the foreground (let systemd supervise it).\n" +
	"Callback code other than header assignments and deletions is reported and not run."

func init() { rootCmd.AddCommand(stompcltCmd) }

// stompclt's exit statuses (mta.md §8).
const (
	stompcltHelp  = 1
	stompcltUsage = 2
	stompcltFatal = 255
)

// runStompclt runs one stompclt command line; a --quit of another process
// or a pid file quit request arrives on sigs as SIGTERM.
func runStompclt(ctx context.Context, args []string, stdout, stderr io.Writer, sigs chan os.Signal, started func(*supervision.Running)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := legacy.ParseStompclt(args)
	var usage *legacy.UsageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "stompclt: %s\n%s", usage.Msg, stompcltUsageText)
		return &exitError{code: stompcltUsage, err: fmt.Errorf("stompclt: %w", err)}
	case err != nil:
		return &exitError{code: stompcltFatal, err: fmt.Errorf("stompclt: %w", err)}
	}
	switch s.Action {
	case "help":
		fmt.Fprint(stdout, stompcltUsageText)
		return &exitError{code: stompcltHelp, err: errors.New("stompclt: usage shown")}
	case "manual":
		fmt.Fprintln(stdout, stompcltLong)
		return nil
	case "version":
		fmt.Fprintln(stdout, "stompclt 1.8 (bricks drop-in)")
		return nil
	case "list":
		fmt.Fprintln(stdout, strings.Join(legacy.StompcltOptionNames(), "\n"))
		return nil
	case "status":
		if code := legacy.StompcltStatus(stdout, s.Pidfile, s.StatusTimeout); code != 0 {
			return &exitError{code: code, err: fmt.Errorf("stompclt: %s: not running (status %d)", s.Pidfile, code)}
		}
		return nil
	case "quit":
		if err := legacy.StompcltQuit(stdout, s.Pidfile, s.QuitWait); err != nil {
			return &exitError{code: stompcltFatal, err: fmt.Errorf("stompclt: %w", err)}
		}
		return nil
	}
	for _, p := range s.Problems {
		fmt.Fprintf(stderr, "stompclt: %s\n", p)
	}
	if s.Debug > 3 { // as stompclt, which dumps its parsed configuration
		_, _ = stderr.Write(s.Tree)
	}
	if s.Daemon {
		fmt.Fprintln(stderr, "stompclt: --daemon: bricks does not detach; running in the foreground")
	}
	level := map[bool]string{true: "warn", false: "info"}[s.Debug == 0]
	if s.Debug > 1 {
		level = "debug"
	}
	logger, err := newLogger(stderr, level, "text")
	if err != nil {
		return err
	}
	if s.Pidfile != "" {
		if _, err := apps.AcquirePidfile(s.Pidfile); err != nil {
			return &exitError{code: stompcltFatal, err: fmt.Errorf("stompclt: %w", err)}
		}
		defer func() { _ = legacy.ReleasePidfile(s.Pidfile) }()
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go legacy.WatchPidfile(wctx, s.Pidfile, legacy.TouchInterval, func() {
			select {
			case sigs <- syscall.SIGTERM:
			default:
			}
		})
	}
	if err := runLoaded(ctx, s.Loaded, s.Name+" (converted stompclt configuration)", stderr, logger, sigs, started); err != nil {
		return &exitError{code: stompcltFatal, err: fmt.Errorf("stompclt: %w", err)}
	}
	if s.Statistics {
		fmt.Fprint(stdout, legacy.FormatStatistics(legacy.StompcltStatistics(s.Stats)))
	}
	return nil
}

// stompcltUsageText is stompclt's short usage.
var stompcltUsageText = "usage: bricks stompclt [OPTIONS]\n" +
	"  (stompclt 1.8 options: --conf FILE, --incoming-queue path=DIR, --incoming-broker-uri URI,\n" +
	"   --outgoing-queue path=DIR, --outgoing-broker-uri URI, --subscribe destination=D,\n" +
	"   --count N, --duration S, --loop, --remove, --reliable, --window N, --prefetch N,\n" +
	"   --pidfile PATH, --status, --quit, --statistics...; --list shows them all)\n"
