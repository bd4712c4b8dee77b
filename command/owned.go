package command

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// startOwned starts the foreground program (OTP mode), a goroutine waiting
// for its end and, when configured, one running the readiness check.
func (a *cmdActor) startOwned(ctx actor.Context) {
	opts := a.opts()
	opts.KillOrphans = true
	opts.OnLine = actors.ProgressFunc(ctx) // output is a sign of life for `watchdog`
	p, err := Start(a.s.run, opts)
	if err != nil {
		actors.Fail(ctx, err)
	}
	a.proc.Store(p)
	a.log.Info("command started", "pid", p.Pid(), "argv", a.s.run)
	send := sender(ctx)
	actors.Go(ctx, func(gctx context.Context) error {
		select {
		case <-p.Done():
			send(&exited{status: p.Exit()})
		case <-gctx.Done(): // stopping: stopOwned takes over
		}
		return nil
	})
	if len(a.s.ready) == 0 {
		actors.SignalReady(ctx)
		return
	}
	actors.Go(ctx, func(gctx context.Context) error {
		rctx, cancel := a.killable(gctx)
		defer cancel()
		err := pollUntil(rctx, a.s.readyTimeout, a.s.readyInterval, fmt.Sprintf("ready check %v", a.s.ready),
			func(c context.Context) bool {
				o := a.opts()
				o.Level = slog.LevelDebug // a failing probe's complaints are expected noise
				st, err := Run(c, a.s.ready, o, 0)
				return err == nil && st.Success()
			})
		if err != nil {
			return err
		}
		send(&becameReady{})
		return nil
	})
}

// onExit ends the actor the way its program ended: exit 0 is a normal exit
// (a transient node is not restarted), anything else a failure.
func (a *cmdActor) onExit(ctx actor.Context, st ExitStatus) {
	a.exitReported = true
	if st.Success() {
		a.log.Info("command exited normally", "pid", a.proc.Load().Pid())
		actors.StopNormal(ctx)
		return
	}
	actors.Fail(ctx, &ExitError{Argv: a.s.run, Status: st})
}

// stopOwned sends the stop signal to the program's group and waits until it
// is gone, or until Kill (called by the supervisor once `shutdown` expired)
// killed it.
func (a *cmdActor) stopOwned() {
	p := a.proc.Load()
	if p == nil {
		return
	}
	select {
	case <-p.Done(): // already ended; its orphans were killed with it
		if !a.exitReported { // killed before the stop, or ended meanwhile
			a.log.Info("command stopped", "pid", p.Pid(), "exit", p.Exit().String())
		}
		return
	default:
	}
	a.log.Info("stopping command", "pid", p.Pid(), "signal", a.s.stopSignal.String())
	if err := p.Signal(a.s.stopSignal); err != nil {
		a.log.Error("stop signal failed", "pid", p.Pid(), "error", err)
	}
	select {
	case <-p.Done():
	case <-a.killed.Done():
		p.Kill()
		<-p.Done()
	}
	a.log.Info("command stopped", "pid", p.Pid(), "exit", p.Exit().String())
}
