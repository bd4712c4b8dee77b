package command

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// cmdActor is one incarnation of a command node. Everything that waits on a
// program runs in goroutines started with actors.Go, which report back by
// message; only stopping waits inside Receive, bounded by the node's
// `shutdown` and Kill.
type cmdActor struct {
	s   *settings
	env actors.Env
	log *slog.Logger

	// killed is cancelled by Kill: it aborts every wait and command.
	killed context.Context
	kill   context.CancelFunc
	proc   atomic.Pointer[Process] // the owned program (OTP mode)

	stopping     bool // Stopping/Restarting seen: late reports are ignored
	exitReported bool // the owned program's end was handled by onExit
}

// Messages the actor's goroutines send it.
type (
	// exited: the owned program ended.
	exited struct{ status ExitStatus }
	// becameReady: the readiness check passed.
	becameReady struct{}
)

func newActor(s *settings, env actors.Env) *cmdActor {
	a := &cmdActor{s: s, env: env}
	a.killed, a.kill = context.WithCancel(context.Background())
	return a
}

// Kill implements actors.Killer: it sends SIGKILL to the owned program's
// process group and aborts a running stop command. Goroutine-safe.
func (a *cmdActor) Kill() {
	a.kill()
	if p := a.proc.Load(); p != nil {
		p.Kill()
	}
}

// Receive implements actor.Actor.
func (a *cmdActor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.log = a.logger(ctx)
		if a.s.owned() {
			a.startOwned(ctx)
		} else {
			a.startService(ctx)
		}
	case *becameReady:
		if !a.stopping {
			actors.SignalReady(ctx)
		}
	case *exited:
		if !a.stopping {
			a.onExit(ctx, msg.status)
		}
	case *actor.Stopping, *actor.Restarting:
		a.stopping = true
		if a.s.owned() {
			a.stopOwned()
		} else {
			a.stopService()
		}
		a.kill() // release the kill context
	}
}

// logger is the node's logger: the tree's (tagged with the node path) or,
// for an actor spawned outside a tree, the actor system's tagged with the PID.
func (a *cmdActor) logger(ctx actor.Context) *slog.Logger {
	if a.env != nil && a.env.Logger() != nil {
		return a.env.Logger()
	}
	return ctx.Logger().With("actor", ctx.Self().String())
}

// opts are the command options with the node's logger.
func (a *cmdActor) opts() Options {
	o := a.s.opts
	o.Logger = a.log
	return o
}

// sender returns a goroutine-safe function sending msg to the actor.
func sender(ctx actor.Context) func(msg any) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	return func(msg any) { root.Send(self, msg) }
}

// killable returns a context cancelled by ctx or by Kill.
func (a *cmdActor) killable(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.killed, cancel)
	return c, func() { stop(); cancel() }
}

// pollUntil calls check every interval until it returns true, ctx ends or
// timeout passes. The context given to check ends at the timeout, so a hung
// check is killed. It returns ctx's error, or an error naming what was
// awaited on timeout.
func pollUntil(ctx context.Context, timeout, interval time.Duration, what string, check func(context.Context) bool) error {
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		if check(tctx) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if tctx.Err() != nil {
			return fmt.Errorf("%s: not reached within %v", what, timeout)
		}
		t := time.NewTimer(interval)
		select {
		case <-t.C:
		case <-tctx.Done():
			t.Stop()
		}
	}
}
