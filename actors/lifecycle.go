package actors

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/asynkron/protoactor-go/actor"
)

// Ready is what an actor sends its supervisor once it can do its job. Kinds
// with Kind.SignalsReady send it by calling SignalReady (for instance after
// their connection is up); for every other kind actors.Props sends it as
// soon as the actor has handled actor.Started. The supervisor starts the next
// sibling only after it.
type Ready struct{}

// Killer is implemented by actors that hold something which can be ended
// from outside when a graceful stop took longer than the node's `shutdown`
// (the `command` kind kills its process). Kill is called from another
// goroutine while the actor may still be busy, so it must be goroutine-safe.
type Killer interface {
	Kill()
}

// Failed is the reason an actor ended abnormally through Fail or a failing
// goroutine started with Go. Supervisors restart transient children after
// it, as after a panic.
type Failed struct {
	Err error
}

// Error describes the failure.
func (f *Failed) Error() string { return f.Err.Error() }

// Unwrap returns the underlying error.
func (f *Failed) Unwrap() error { return f.Err }

// Panicked is the reason an actor ended by an unexpected panic, with where
// it happened.
type Panicked struct {
	Value any
	pcs   []uintptr
}

// Stack formats the call stack of the panic (computed on demand: restarts
// stay cheap when nobody looks).
func (p *Panicked) Stack() string {
	var b strings.Builder
	frames := runtime.CallersFrames(p.pcs)
	for {
		f, more := frames.Next()
		fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		if !more {
			return b.String()
		}
	}
}

// Error describes the panic.
func (p *Panicked) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the panic value when it is an error.
func (p *Panicked) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// SignalReady tells the supervisor that the actor is ready, so it may start
// the next sibling. Only the first call of an incarnation counts. Call it from
// the actor's Receive (not from a goroutine); it is meant for kinds that
// declare Kind.SignalsReady.
func SignalReady(ctx actor.Context) {
	if w := wrappedOf(ctx); w != nil {
		w.signalReady(ctx)
		return
	}
	if p := ctx.Parent(); p != nil {
		ctx.Request(p, readyMsg)
	}
}

// ReportProgress tells the watchdog of the node that the actor is alive and
// working. A worker with `watchdog: D` that reports nothing for D is failed
// and restarted. Every handled message already counts as progress; call it
// from long jobs. It is goroutine-safe.
func ReportProgress(ctx actor.Context) {
	if w := wrappedOf(ctx); w != nil {
		w.progress()
	}
}

// ProgressFunc returns a goroutine-safe function reporting progress for the
// actor of ctx, for goroutines started with Go that cannot use ctx.
func ProgressFunc(ctx actor.Context) func() {
	if w := wrappedOf(ctx); w != nil {
		return w.progress
	}
	return func() {}
}

// StopNormal ends the actor normally: its supervisor restarts it only when
// its restart type is permanent. Use it for an actor whose job is done.
func StopNormal(ctx actor.Context) {
	ctx.Stop(ctx.Self())
}

// Fail ends the actor abnormally with err; its supervisor applies its
// strategy. It does not return.
func Fail(ctx actor.Context, err error) {
	if err == nil {
		err = fmt.Errorf("actors.Fail called with a nil error")
	}
	panic(&Failed{Err: err})
}

// asReason turns a recovered panic value into the reason a supervisor sees:
// *Failed stays as is, anything else becomes *Panicked with the stack.
func asReason(r any) any {
	switch r.(type) {
	case *Failed, *Panicked:
		return r
	}
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	return &Panicked{Value: r, pcs: pcs[:n]}
}

var readyMsg = &Ready{}

// StopRequest asks a worker to stop after the messages already in its
// mailbox, the way an Erlang process trapping exits receives its
// supervisor's shutdown signal in message order. Supervisors send it for a
// planned stop, so a stage still handles the answers it was sent before the
// stop (a Confirm that lets a source remove what was delivered) instead of
// dropping them, as protoactor's Stop — a system message that overtakes the
// mailbox — would; the node's `shutdown` bounds the wait as usual. Actors
// built by Props handle it; kinds never see it.
type StopRequest struct{}
