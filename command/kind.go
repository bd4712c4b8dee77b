package command

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// KindName is the `kind:` of external processes in a tree file.
const KindName = "command"

// Defaults of the `with:` fields.
const (
	DefaultReadyTimeout  = 10 * time.Second
	DefaultReadyInterval = 500 * time.Millisecond // simplevisor's "careful" polling period
	DefaultInterval      = 30 * time.Second       // status-check period (supervision.DefaultCommandInterval)
	DefaultTimeout       = 60 * time.Second       // simplevisor's per-command timeout
)

// signals are the stop signals `stop_signal` accepts.
var signals = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "KILL": syscall.SIGKILL,
}

var levels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// Spec returns the `with:` fields of the command kind.
// Only OTP-mode fields carry examples, so that the example configuration
// generated from them is a valid one.
func Spec() *actors.Spec {
	return actors.NewSpec().
		Field(actors.StringList("run").
			Description("Program and arguments of a foreground process the tree owns (OTP mode). Exit 0 ends the node normally; a non-zero exit or a signal is a failure.").
			Example([]string{"/usr/sbin/nginx", "-g", "daemon off;"})).
		Field(actors.StringList("ready").
			Description("OTP mode: check command run every ready_interval until it exits 0; only then is the node ready and the next sibling started.").
			Example([]string{"curl", "-sf", "http://127.0.0.1:8080/health"})).
		Field(actors.String("stop_signal").Default("TERM").Enum("TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "KILL").
			Description("OTP mode: signal sent to the process group to stop it; the node's `shutdown` later sends SIGKILL.")).
		Field(actors.StringList("start").
			Description("Non-intrusive (simplevisor) mode: command starting a daemon that manages itself, e.g. [/etc/init.d/httpd, start].")).
		Field(actors.StringList("stop").
			Description("Non-intrusive mode: command stopping the daemon; run when the node stops or restarts, and to clean up a dirty state.")).
		Field(actors.StringList("status").
			Description("Non-intrusive mode: LSB status command run every interval: exit 0 running, 3 stopped, anything else dirty.")).
		Field(actors.StringList("control").
			Description("Non-intrusive mode: init-script prefix, e.g. [/etc/init.d/httpd]; `control start|stop|status` replace start, stop and status.")).
		Field(actors.String("pattern").Advanced().
			Description("Non-intrusive mode without status/stop commands: regular expression looked for in the command lines of the process table (Linux /proc); a match means running, stop sends SIGTERM then SIGKILL after `timeout`. Default when only `start` is given: the start command itself, as simplevisor.")).
		Field(actors.String("expected").Default("running").Enum("running", "stopped").
			Description("Non-intrusive mode: the state status must report; any other state fails the node, and its restart fixes it.")).
		Field(actors.Duration("interval").Default(DefaultInterval).
			Description("Non-intrusive mode: pause between the end of one status check and the next.")).
		Field(actors.Duration("timeout").Default(DefaultTimeout).
			Description("Non-intrusive mode: longest a start, stop or status command may run; it is then killed and counts as failed (dirty).")).
		Field(actors.Duration("ready_timeout").Default(DefaultReadyTimeout).
			Description("How long the `ready` check (OTP mode), or the status after start/stop (non-intrusive mode), may take to succeed; else the start fails.")).
		Field(actors.Duration("ready_interval").Default(DefaultReadyInterval).Advanced().
			Description("Pause between two readiness checks.")).
		Field(actors.StringMap("env").
			Description("Environment variables added to those bricks runs with.").
			Example(map[string]string{"LANG": "C"})).
		Field(actors.String("path").Advanced().
			Description("PATH for the commands (simplevisor `path`).")).
		Field(actors.String("cwd").
			Description("Working directory of the commands; default: that of bricks.")).
		Field(actors.String("output_level").Enum("debug", "info", "warn", "error").Advanced().
			Description("Log level of the lines the commands print; default info for `run`, debug for start/stop/status (as simplevisor)."))
}

func init() {
	actors.Register(actors.Kind{
		Name:         KindName,
		Summary:      "external process: owned foreground program (run) or self-managed daemon checked by status (start/stop/status)",
		Spec:         Spec(),
		SignalsReady: true,
		Validate:     func(cfg *actors.Config) error { _, err := parseSettings(cfg); return err },
		New: func(cfg *actors.Config) (actor.Actor, error) {
			s, err := parseSettings(cfg)
			if err != nil {
				return nil, err
			}
			return newActor(s, cfg.Env()), nil
		},
	})
}

// settings are a command node's validated `with:` block.
type settings struct {
	run, ready          []string       // OTP mode
	start, stop, status []string       // non-intrusive mode
	pattern             *regexp.Regexp // status and stop by process-table search
	stopSignal          syscall.Signal
	expected            State // Running or Stopped
	interval, timeout   time.Duration
	readyTimeout        time.Duration
	readyInterval       time.Duration
	opts                Options // Dir, Env, Path, Level
}

// owned reports whether the node runs a foreground program (OTP mode).
func (s *settings) owned() bool { return len(s.run) > 0 }

// parseSettings reads and cross-checks cfg; the error lists every problem.
func parseSettings(cfg *actors.Config) (*settings, error) {
	s := &settings{
		run: cfg.Strings("run"), ready: cfg.Strings("ready"),
		start: cfg.Strings("start"), stop: cfg.Strings("stop"), status: cfg.Strings("status"),
		interval: cfg.Duration("interval"), timeout: cfg.Duration("timeout"),
		readyTimeout: cfg.Duration("ready_timeout"), readyInterval: cfg.Duration("ready_interval"),
		opts: Options{Dir: cfg.String("cwd"), Env: cfg.StringMap("env"), Path: cfg.String("path")},
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	control := cfg.Strings("control")
	daemonFields := given(cfg, "start", "stop", "status", "control", "pattern")
	switch {
	case len(s.run) > 0 && len(daemonFields) > 0:
		bad("`run` (owned process) cannot be combined with %s (non-intrusive daemon)", strings.Join(daemonFields, ", "))
	case len(s.run) == 0 && len(daemonFields) == 0:
		bad("give `run` (owned process), or `start` with `status`, `control` or `pattern` (non-intrusive daemon)")
	}
	if len(control) > 0 {
		if extra := given(cfg, "start", "stop", "status", "pattern"); len(extra) > 0 {
			bad("`control` replaces %s: give one or the other", strings.Join(extra, ", "))
		}
		s.start = appendArg(control, "start")
		s.stop = appendArg(control, "stop")
		s.status = appendArg(control, "status")
	}
	if cfg.Has("pattern") {
		if extra := given(cfg, "status", "stop"); len(extra) > 0 {
			bad("`pattern` replaces %s (it finds and stops the processes): give one or the other", strings.Join(extra, ", "))
		}
		re, err := regexp.Compile(cfg.String("pattern"))
		switch {
		case err != nil:
			bad("`pattern`: %v", err)
		case cfg.String("pattern") == "":
			bad("`pattern` is empty")
		default:
			s.pattern = re
		}
	}
	for _, f := range []string{"run", "ready", "start", "stop", "status", "control"} {
		if cfg.Has(f) && len(cfg.Strings(f)) == 0 {
			bad("`%s` is empty", f)
		}
	}
	if !s.owned() && len(daemonFields) > 0 {
		if len(s.ready) > 0 {
			bad("`ready` applies to `run` only; a daemon is ready when `status` says so")
		}
		if len(s.status) == 0 && s.pattern == nil && !cfg.Has("pattern") {
			switch {
			case len(s.stop) > 0:
				bad("`stop` needs `status` to check the daemon (or give `pattern` instead of both)")
			case len(s.start) > 0:
				// simplevisor: with neither status nor stop, the start
				// command itself is looked for in the process table.
				s.pattern = regexp.MustCompile(regexp.QuoteMeta(strings.Join(s.start, " ")))
			default:
				bad("a daemon needs `status`, `control` or `pattern` to be checked")
			}
		}
	}

	switch cfg.String("expected") {
	case "stopped":
		s.expected = Stopped
		if !s.owned() && len(s.stop) == 0 && s.pattern == nil {
			bad("`expected: stopped` needs `stop` (or `control` or `pattern`)")
		}
	default:
		s.expected = Running
		if !s.owned() && len(daemonFields) > 0 && len(s.start) == 0 {
			bad("`expected: running` needs `start` (or `control`)")
		}
	}
	sig, ok := signals[cfg.String("stop_signal")]
	if !ok {
		sig = syscall.SIGTERM
	}
	s.stopSignal = sig
	s.opts.Level = slog.LevelDebug
	if s.owned() {
		s.opts.Level = slog.LevelInfo
	}
	if l, ok := levels[cfg.String("output_level")]; ok {
		s.opts.Level = l
	}
	for _, f := range []string{"interval", "timeout", "ready_timeout", "ready_interval"} {
		if cfg.Has(f) && cfg.Duration(f) <= 0 {
			bad("`%s` must be positive", f)
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return s, nil
}

// given returns which of the named fields have a value.
func given(cfg *actors.Config, names ...string) []string {
	var out []string
	for _, n := range names {
		if cfg.Has(n) {
			out = append(out, "`"+n+"`")
		}
	}
	return out
}

func appendArg(prefix []string, arg string) []string {
	return append(append([]string{}, prefix...), arg)
}
