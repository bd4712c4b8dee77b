package command

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// StateError is the failure of a non-intrusive command node whose status
// check disagrees with `expected`. The supervisor's restart of the node is
// simplevisor's "adjustment": the new incarnation stops a dirty service and
// starts it again.
type StateError struct {
	Check    string     // the status command, or the pattern, that said so
	Expected State      // running or stopped
	Got      State      // what the check said
	Status   ExitStatus // how the status command ended (pattern: 0 found, 3 not found)
}

// Error says what was found and what was expected.
func (e *StateError) Error() string {
	return fmt.Sprintf("%s: service is %s (%s), expected %s", e.Check, e.Got, e.Status, e.Expected)
}

// checkName describes how the service is checked, for errors.
func (s *settings) checkName() string {
	if s.pattern != nil {
		return "pattern " + s.pattern.String()
	}
	return "status " + strings.Join(s.status, " ")
}

// canStop reports whether the node knows how to stop the service.
func (s *settings) canStop() bool { return len(s.stop) > 0 || s.pattern != nil }

// startService runs, in a goroutine, simplevisor's adjustment of the service
// to its expected state, then its periodic status checks.
func (a *cmdActor) startService(ctx actor.Context) {
	send := sender(ctx)
	progress := actors.ProgressFunc(ctx)
	actors.Go(ctx, func(gctx context.Context) error {
		rctx, cancel := a.killable(gctx)
		defer cancel()
		if err := a.adjust(rctx); err != nil {
			return err
		}
		send(&becameReady{})
		return a.watch(rctx, progress)
	})
}

// check runs the status command (or searches the pattern) and interprets
// its exit code.
func (a *cmdActor) check(ctx context.Context) (State, ExitStatus) {
	if a.s.pattern != nil {
		st := patternCheck(a.s.pattern)
		return LSBState(st), st
	}
	st, err := Run(ctx, a.s.status, a.opts(), a.s.timeout)
	if err != nil {
		a.log.Error("status command failed to start", "error", err)
	}
	return LSBState(st), st
}

// stopDaemon runs the stop command, or stops the processes matching the
// pattern.
func (a *cmdActor) stopDaemon(ctx context.Context) error {
	if a.s.pattern != nil {
		a.log.Info("stopping processes matching pattern", "pattern", a.s.pattern.String())
		return stopPattern(ctx, a.s.pattern, a.s.timeout, a.s.readyInterval)
	}
	return a.runStep(ctx, "stop", a.s.stop)
}

// runStep runs a start or stop command and fails unless it exits 0.
func (a *cmdActor) runStep(ctx context.Context, what string, argv []string) error {
	a.log.Info("running "+what+" command", "argv", argv)
	st, err := Run(ctx, argv, a.opts(), a.s.timeout)
	if err != nil {
		return err
	}
	if !st.Success() {
		return fmt.Errorf("%s: %w", what, &ExitError{Argv: argv, Status: st})
	}
	return nil
}

// adjust brings the service to its expected state the way simplevisor's
// cond_adjust does (running expected: stopped → start, dirty → stop then
// start; stopped expected: running or dirty → stop), then waits, as its
// "careful" mode, until status confirms the state.
func (a *cmdActor) adjust(ctx context.Context) error {
	got, st := a.check(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	want := a.s.expected
	if got == want {
		a.log.Info("service already "+want.String(), "status", st.String())
		return nil
	}
	a.log.Info("adjusting service", "found", got.String(), "status", st.String(), "expected", want.String())
	if (want == Stopped || got == Dirty) && a.s.canStop() {
		if err := a.stopDaemon(ctx); err != nil {
			return err
		}
	}
	if want == Running {
		if err := a.runStep(ctx, "start", a.s.start); err != nil {
			return err
		}
	}
	last := got
	err := pollUntil(ctx, a.s.readyTimeout, a.s.readyInterval, "service "+want.String(),
		func(c context.Context) bool {
			last, _ = a.check(c)
			return last == want
		})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("%w (still %s)", err, last)
	}
	return err
}

// watch runs the status command every interval (measured from the end of one
// check to the start of the next, as simplevisor) and returns a *StateError
// at the first disagreement with `expected`, which fails the actor.
func (a *cmdActor) watch(ctx context.Context, progress func()) error {
	for {
		t := time.NewTimer(a.s.interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		got, st := a.check(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		progress()
		if got != a.s.expected {
			a.log.Warn("status check failed", "found", got.String(), "status", st.String(), "expected", a.s.expected.String())
			return &StateError{Check: a.s.checkName(), Expected: a.s.expected, Got: got, Status: st}
		}
		a.log.Debug("status check passed", "state", got.String())
	}
}

// stopService runs the stop command when the node stops or restarts, and
// waits until status no longer says running; Kill aborts both. Without a
// stop command (or when the service is expected stopped, or the node was
// killed before it stopped) the daemon is left alone.
func (a *cmdActor) stopService() {
	if !a.s.canStop() || a.s.expected == Stopped {
		return
	}
	if a.killed.Err() != nil { // shutdown: brutal_kill
		a.log.Warn("node killed: daemon left as it is, without running stop")
		return
	}
	if err := a.stopDaemon(a.killed); err != nil {
		a.log.Error("stopping service failed", "error", err)
		return
	}
	err := pollUntil(a.killed, a.s.timeout, a.s.readyInterval, "service stopped",
		func(c context.Context) bool { got, _ := a.check(c); return got != Running })
	if err != nil {
		a.log.Error("service still running after stop", "error", err)
		return
	}
	a.log.Info("service stopped")
}
