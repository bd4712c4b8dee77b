package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"
)

// goFailed is sent to an actor when a goroutine it owns failed; handling it
// fails the actor.
type goFailed struct {
	reason any
}

// Go runs fn in a goroutine owned by the actor of ctx. The context given to fn
// is cancelled when the actor stops or restarts, and the actor waits (a
// bounded time, see StopWait) for fn to return before it is gone. When fn
// panics or returns a non-nil error, the actor fails as if its Receive had
// panicked, so its supervisor applies its strategy; the process never
// crashes. A context.Canceled error (or any error) returned after the actor
// began to stop is the normal way out and is ignored.
//
// fn must report results to the actor by message (ctx.Send to the actor's
// PID, captured before calling Go), never touch the actor's state directly.
// Go must be called from the actor's Receive; the actor must have been built
// by Props.
func Go(ctx actor.Context, fn func(context.Context) error) {
	w := wrappedOf(ctx)
	if w == nil {
		panic(fmt.Sprintf("actors.Go: actor %s was not built by actors.Props", ctx.Self()))
	}
	w.startGoroutine(ctx, fn)
}

func (w *Wrapped) startGoroutine(ctx actor.Context, fn func(context.Context) error) {
	w.mu.Lock()
	if w.goCtx == nil {
		w.goCtx, w.cancel = context.WithCancel(context.Background())
	}
	gctx := w.goCtx
	w.wg.Add(1)
	w.mu.Unlock()
	self, sys := ctx.Self(), ctx.ActorSystem()
	go func() {
		defer w.wg.Done()
		reason := runGuarded(gctx, fn)
		if reason == nil || gctx.Err() != nil {
			return // success, or the actor is stopping: nothing to report
		}
		sys.Root.Send(self, &goFailed{reason: reason})
	}()
}

// runGuarded runs fn and returns why it failed: nil on success, a *Failed
// for an error, a *Panicked for a panic.
func runGuarded(ctx context.Context, fn func(context.Context) error) (reason any) {
	defer func() {
		if r := recover(); r != nil {
			reason = asReason(r)
		}
	}()
	if err := fn(ctx); err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil
		}
		return &Failed{Err: fmt.Errorf("goroutine: %w", err)}
	}
	return nil
}
