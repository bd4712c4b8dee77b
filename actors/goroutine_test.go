package actors_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"go.uber.org/goleak"
)

// goActor starts fn in a goroutine on "go".
func goActor(fn func(context.Context) error) func() actor.Actor {
	return func() actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			if ctx.Message() == "go" {
				actors.Go(ctx, fn)
			}
		})
	}
}

func TestGoErrorFailsTheActor(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, pid := newHarness(t, kindOf("t.go", false, goActor(func(context.Context) error { return errors.New("read: reset") })))
	h.next() // Ready
	h.system.Root.Send(pid, "go")
	var f *actors.Failed
	if r, ok := h.next().(error); !ok || !errors.As(r, &f) || !strings.Contains(f.Error(), "read: reset") {
		t.Fatalf("reason %v, want the goroutine's error", r)
	}
	if _, ok := h.next().(*actor.Terminated); !ok {
		t.Fatal("failed actor not stopped")
	}
}

func TestGoPanicFailsTheActor(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, pid := newHarness(t, kindOf("t.go", false, goActor(func(context.Context) error { panic("in goroutine") })))
	h.next()
	h.system.Root.Send(pid, "go")
	if p, ok := h.next().(*actors.Panicked); !ok || p.Value != "in goroutine" {
		t.Fatalf("reason %#v, want the goroutine's panic", p)
	}
	h.next()
}

// TestGoCancelledAndAwaitedOnStop: stopping the actor cancels the
// goroutine's context, and the actor is gone only after the goroutine
// returned; context.Canceled is not a failure.
func TestGoCancelledAndAwaitedOnStop(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var returned atomic.Bool
	running := make(chan struct{})
	h, pid := newHarness(t, kindOf("t.go", false, goActor(func(ctx context.Context) error {
		close(running)
		<-ctx.Done()
		returned.Store(true)
		return ctx.Err()
	})))
	h.next()
	h.system.Root.Send(pid, "go")
	<-running
	h.stop(pid)
	if ev, ok := h.next().(*actor.Terminated); !ok {
		t.Fatalf("got %v, want Terminated and no failure", ev)
	}
	if !returned.Load() {
		t.Error("the actor terminated before its goroutine returned")
	}
}

type killable struct {
	killed chan struct{}
}

func (k *killable) Receive(ctx actor.Context) {
	if ctx.Message() == "go" {
		actors.Go(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
	}
}
func (k *killable) Kill() { close(k.killed) }

func TestKillReachesTheKind(t *testing.T) {
	k := &killable{killed: make(chan struct{})}
	w := actors.New(actors.Kind{Name: "t.kill", New: func(*actors.Config) (actor.Actor, error) { return k, nil }}, nil)
	var _ actors.Killer = w
	w.Kill()
	select {
	case <-k.killed:
	default:
		t.Fatal("Kill did not reach the kind's Killer")
	}
	if w.Inner() != k {
		t.Error("Inner is not the kind's actor")
	}
}

func TestProgressCounts(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var w *actors.Wrapped
	k := actors.Kind{Name: "t.prog", Spec: actors.NewSpec(), New: func(*actors.Config) (actor.Actor, error) {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			if ctx.Message() == "work" {
				actors.ReportProgress(ctx)
				actors.ProgressFunc(ctx)()
				ctx.Respond("done")
			}
		}), nil
	}}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { w = actors.New(k, actors.NewConfig(k.Spec, nil)); return w }))
	if _, err := sys.Root.RequestFuture(pid, "work", 20*time.Second).Result(); err != nil {
		t.Fatal(err)
	}
	_ = sys.Root.StopFuture(pid).Wait()
	// Started, work and its two reports, Stopping, Stopped.
	if got := w.Progress(); got != 6 {
		t.Errorf("progress %d after Started, a message with two reports and the stop", got)
	}
}
