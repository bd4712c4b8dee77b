package supervision

import (
	"fmt"
	"log/slog"
	"time"
)

// Event is one lifecycle happening of a running tree. Each kind of happening
// is its own small struct; an EventHook (see WithEventHook) receives them
// all, and the tree's logger writes each as one structured line.
type Event interface {
	// Path is the node the event is about.
	Path() string
	// String describes the event in one line.
	String() string
	// attrs are the structured log fields and level of the event.
	log() (slog.Level, string, []slog.Attr)
}

// EventHook receives every event of a running tree, from the supervisor's
// goroutine: it must return quickly and never block.
type EventHook func(Event)

// ChildStarted: a node is up (ready, for kinds that signal readiness).
type ChildStarted struct {
	Node     string
	Restarts int // how many times this node was restarted before
}

// ChildStopped: a node was stopped by its supervisor (shutdown, a sibling's
// restart, a reload).
type ChildStopped struct {
	Node string
}

// ChildExited: a node ended on its own, normally or not.
type ChildExited struct {
	Node   string
	Exit   ExitKind
	Reason error // nil for a normal exit
}

// ChildRestarted: a node is being started again after an exit.
type ChildRestarted struct {
	Node     string
	Restarts int // restarts of this node so far, this one included
	Exit     ExitKind
	Reason   error
}

// StartFailed: a node could not be started.
type StartFailed struct {
	Node   string
	Reason error
}

// IntensityExceeded: a supervisor saw more than Intensity restarts within
// Period and gives up (or cools down).
type IntensityExceeded struct {
	Supervisor string
	Child      string // the child whose exit was one too many
	Intensity  int
	Period     time.Duration
	Reason     error
}

// ShutdownOverrun: a node did not stop within its `shutdown` and was killed.
type ShutdownOverrun struct {
	Node     string
	Shutdown time.Duration
}

// BackoffWaiting: a restart waits Delay because the node keeps failing.
type BackoffWaiting struct {
	Node  string
	Delay time.Duration
}

// CooldownStarted: a supervisor that gave up retries its children after Delay
// instead of failing to its parent.
type CooldownStarted struct {
	Supervisor string
	Delay      time.Duration
}

// WatchdogFired: a worker reported no progress for longer than its watchdog.
type WatchdogFired struct {
	Node     string
	Watchdog time.Duration
}

// ExitKind classifies how a node ended; restart types depend on it.
type ExitKind int

const (
	// ExitNormal: the node stopped itself (actors.StopNormal).
	ExitNormal ExitKind = iota
	// ExitAbnormal: the node failed with an error (actors.Fail, a failing
	// goroutine, a failed start, a watchdog, a supervisor giving up).
	ExitAbnormal
	// ExitPanic: the node panicked.
	ExitPanic
)

// String names the exit kind.
func (k ExitKind) String() string { return enumName([]string{"normal", "abnormal", "panic"}, int(k)) }

// Path implements Event.
func (e *ChildStarted) Path() string { return e.Node }

// Path implements Event.
func (e *ChildStopped) Path() string { return e.Node }

// Path implements Event.
func (e *ChildExited) Path() string { return e.Node }

// Path implements Event.
func (e *ChildRestarted) Path() string { return e.Node }

// Path implements Event.
func (e *StartFailed) Path() string { return e.Node }

// Path implements Event.
func (e *IntensityExceeded) Path() string { return e.Supervisor }

// Path implements Event.
func (e *ShutdownOverrun) Path() string { return e.Node }

// Path implements Event.
func (e *BackoffWaiting) Path() string { return e.Node }

// Path implements Event.
func (e *CooldownStarted) Path() string { return e.Supervisor }

// Path implements Event.
func (e *WatchdogFired) Path() string { return e.Node }

// String implements Event.
func (e *ChildStarted) String() string { return fmt.Sprintf("%s: started", e.Node) }

// String implements Event.
func (e *ChildStopped) String() string { return fmt.Sprintf("%s: stopped", e.Node) }

// String implements Event.
func (e *ChildExited) String() string {
	if e.Reason == nil {
		return fmt.Sprintf("%s: exited (%s)", e.Node, e.Exit)
	}
	return fmt.Sprintf("%s: exited (%s): %v", e.Node, e.Exit, e.Reason)
}

// String implements Event.
func (e *ChildRestarted) String() string {
	return fmt.Sprintf("%s: restarting after %s exit (restart %d): %v", e.Node, e.Exit, e.Restarts, e.Reason)
}

// String implements Event.
func (e *StartFailed) String() string { return fmt.Sprintf("%s: start failed: %v", e.Node, e.Reason) }

// String implements Event.
func (e *IntensityExceeded) String() string {
	return fmt.Sprintf("%s: more than %d restarts within %s (last: %s); giving up", e.Supervisor, e.Intensity, e.Period, e.Child)
}

// String implements Event.
func (e *ShutdownOverrun) String() string {
	return fmt.Sprintf("%s: did not stop within %s; killed", e.Node, e.Shutdown)
}

// String implements Event.
func (e *BackoffWaiting) String() string {
	return fmt.Sprintf("%s: waiting %s before restarting", e.Node, e.Delay)
}

// String implements Event.
func (e *CooldownStarted) String() string {
	return fmt.Sprintf("%s: cooling down %s before starting its children again", e.Supervisor, e.Delay)
}

// String implements Event.
func (e *WatchdogFired) String() string {
	return fmt.Sprintf("%s: no progress for %s; failing it", e.Node, e.Watchdog)
}

func (e *ChildStarted) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelInfo, "started", []slog.Attr{slog.String("node", e.Node), slog.Int("restarts", e.Restarts)}
}
func (e *ChildStopped) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelInfo, "stopped", []slog.Attr{slog.String("node", e.Node)}
}
func (e *ChildExited) log() (slog.Level, string, []slog.Attr) {
	lvl := slog.LevelWarn
	if e.Exit == ExitNormal {
		lvl = slog.LevelInfo
	}
	return lvl, "exited", []slog.Attr{slog.String("node", e.Node), slog.String("exit", e.Exit.String()), errAttr(e.Reason)}
}
func (e *ChildRestarted) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelWarn, "restarting", []slog.Attr{slog.String("node", e.Node), slog.String("exit", e.Exit.String()),
		slog.Int("restarts", e.Restarts), errAttr(e.Reason)}
}
func (e *StartFailed) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelError, "start failed", []slog.Attr{slog.String("node", e.Node), errAttr(e.Reason)}
}
func (e *IntensityExceeded) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelError, "restart intensity exceeded; giving up", []slog.Attr{slog.String("node", e.Supervisor),
		slog.String("child", e.Child), slog.Int("intensity", e.Intensity), slog.Duration("period", e.Period), errAttr(e.Reason)}
}
func (e *ShutdownOverrun) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelError, "shutdown overrun; killed", []slog.Attr{slog.String("node", e.Node), slog.Duration("shutdown", e.Shutdown)}
}
func (e *BackoffWaiting) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelInfo, "backing off", []slog.Attr{slog.String("node", e.Node), slog.Duration("delay", e.Delay)}
}
func (e *CooldownStarted) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelWarn, "cooling down", []slog.Attr{slog.String("node", e.Supervisor), slog.Duration("delay", e.Delay)}
}
func (e *WatchdogFired) log() (slog.Level, string, []slog.Attr) {
	return slog.LevelError, "watchdog fired", []slog.Attr{slog.String("node", e.Node), slog.Duration("watchdog", e.Watchdog)}
}

func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("reason", err.Error())
}
