package actors

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// StopWait bounds how long a stopping actor waits for the goroutines it
// started with Go. A goroutine still running after it is logged and left
// behind; the supervisor's `shutdown` and Killer deal with what hangs.
var StopWait = 10 * time.Second

// Props returns the recipe protoactor-go spawns a kind's actor from: every
// incarnation is a fresh actor built by k.New(cfg), wrapped by New so that
// Go, SignalReady, ReportProgress, Fail and StopNormal work. Supervision
// trees use it for every worker; tests and Go programs may spawn a kind
// outside a tree with it too.
func Props(k Kind, cfg *Config) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return New(k, cfg) })
}

// Wrapped is one incarnation of a kind's actor together with what the
// helpers of this package need: the goroutines it owns, whether it said it is
// ready, and when it last made progress. Its Receive hands every message to
// the kind's actor.
type Wrapped struct {
	kind  Kind
	cfg   *Config
	inner actor.Actor
	err   error // the constructor's error, reported as a start failure

	ready   bool
	onReady func() bool
	prog    atomic.Uint64 // progress count: handled messages and ReportProgress calls

	mu     sync.Mutex
	goCtx  context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds one incarnation of kind k. A constructor error does not panic
// here: the actor fails when it handles actor.Started, which the supervisor
// sees as a start failure.
func New(k Kind, cfg *Config) *Wrapped {
	w := &Wrapped{kind: k, cfg: cfg}
	inner, err := k.New(cfg)
	switch {
	case err != nil:
		w.err = fmt.Errorf("kind %s: %w", k.Name, err)
	case inner == nil:
		w.err = fmt.Errorf("kind %s: constructor returned no actor", k.Name)
	default:
		w.inner = inner
	}
	return w
}

// Inner returns the kind's actor (nil when its constructor failed).
func (w *Wrapped) Inner() actor.Actor { return w.inner }

// Progress counts the messages the actor handled and its ReportProgress
// calls; a watchdog sees a stalled actor as a count that does not move. It is
// goroutine-safe.
func (w *Wrapped) Progress() uint64 { return w.prog.Load() }

// Kill ends what the actor holds from outside: it cancels its goroutines and
// calls the kind's Kill when it implements Killer. It is goroutine-safe.
func (w *Wrapped) Kill() {
	w.cancelGoroutines()
	if k, ok := w.inner.(Killer); ok {
		k.Kill()
	}
}

// Receive passes messages to the kind's actor and implements the lifecycle
// duties: readiness after Started, failing on a goroutine's failure, and
// cancelling and awaiting goroutines when stopping or restarting.
func (w *Wrapped) Receive(ctx actor.Context) {
	w.progress()
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		if w.err != nil {
			panic(&Failed{Err: w.err})
		}
		w.receive(ctx)
		if !w.kind.SignalsReady {
			w.signalReady(ctx)
		}
	case *goFailed:
		panic(msg.reason)
	case *StopRequest:
		ctx.Stop(ctx.Self())
	case *actor.Stopping, *actor.Restarting:
		w.cancelGoroutines()
		w.receiveQuietly(ctx)
		w.waitGoroutines(ctx)
	case *actor.Stopped:
		w.receiveQuietly(ctx)
	default:
		w.receive(ctx)
	}
}

// receive hands the message to the kind's actor, turning a panic into the
// reason the supervisor sees (with the stack of the panic).
func (w *Wrapped) receive(ctx actor.Context) {
	if w.inner == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			panic(asReason(r))
		}
	}()
	w.inner.Receive(ctx)
}

// receiveQuietly delivers Stopping/Stopped: a panic there would leave
// protoactor's stop half done, so it is logged instead.
func (w *Wrapped) receiveQuietly(ctx actor.Context) {
	if w.inner == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			ctx.Logger().Error("actor panicked while stopping", slog.String("actor", ctx.Self().String()),
				slog.String("kind", w.kind.Name), slog.Any("reason", asReason(r)))
		}
	}()
	w.inner.Receive(ctx)
}

func (w *Wrapped) signalReady(ctx actor.Context) {
	if w.ready {
		return
	}
	w.ready = true
	if w.onReady != nil && w.onReady() {
		return
	}
	if p := ctx.Parent(); p != nil {
		ctx.Request(p, readyMsg)
	}
}

// OnReady installs a hook called, in the actor's goroutine, when the actor
// becomes ready; when it returns true the Ready message to the parent is
// not sent. A supervisor uses it to learn readiness synchronously when it
// runs a child's Started itself.
func (w *Wrapped) OnReady(f func() bool) { w.onReady = f }

func (w *Wrapped) progress() { w.prog.Add(1) }

func (w *Wrapped) cancelGoroutines() {
	w.mu.Lock()
	if w.cancel != nil {
		w.cancel()
	}
	w.mu.Unlock()
}

func (w *Wrapped) waitGoroutines(ctx actor.Context) {
	w.mu.Lock()
	started := w.goCtx != nil
	w.mu.Unlock()
	if !started {
		return
	}
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	t := time.NewTimer(StopWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		ctx.Logger().Error("goroutines still running after stop; left behind",
			slog.String("actor", ctx.Self().String()), slog.String("kind", w.kind.Name), slog.Duration("waited", StopWait))
	}
}

// wrappedOf finds the Wrapped incarnation behind ctx, or nil when the actor
// was not built by Props.
func wrappedOf(ctx actor.Context) *Wrapped {
	w, _ := ctx.Actor().(*Wrapped)
	return w
}
