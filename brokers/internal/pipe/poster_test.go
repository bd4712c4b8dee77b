package pipe

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/queue"
)

// unwrapper records what Unwrap gives it, and hands out Posters tagged with
// itself and with another incarnation.
type unwrapper struct {
	got          chan any
	mine, others chan Poster
}

type stranger struct{ actor.Actor }

func (u *unwrapper) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		u.mine <- TaggedPosterOf(ctx, u)
		u.others <- TaggedPosterOf(ctx, &stranger{})
		return
	}
	switch m := Unwrap(ctx, u).(type) {
	case nil:
		u.got <- "dropped"
	case string:
		u.got <- m
	}
}

// TestTaggedPoster checks that an actor gets what its own incarnation's
// goroutine posts, and plain messages, unwrapped, and that what another
// incarnation's goroutine posts is dropped.
func TestTaggedPoster(t *testing.T) {
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	defer sys.Shutdown()
	u := &unwrapper{got: make(chan any, 10), mine: make(chan Poster, 1), others: make(chan Poster, 1)}
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return u }))
	mine, others := <-u.mine, <-u.others

	next := func() any {
		select {
		case m := <-u.got:
			return m
		case <-time.After(30 * time.Second): // deadlock guard
			t.Fatal("nothing received")
		}
		return nil
	}
	others.Post("stale")
	if m := next(); m != "dropped" {
		t.Errorf("another incarnation's message gave %v, want it dropped", m)
	}
	mine.Post("own")
	if m := next(); m != "own" {
		t.Errorf("own message gave %v", m)
	}
	sys.Root.Send(pid, "plain")
	if m := next(); m != "plain" {
		t.Errorf("plain message gave %v", m)
	}
}

// TestReason checks that a Reject without a reason still refuses.
func TestReason(t *testing.T) {
	if Reason(&queue.Reject{ID: "1"}) == nil {
		t.Error("a Reject without a reason gave a nil error: it would be taken for a Confirm")
	}
	why := errors.New("poison")
	if err := Reason(&queue.Reject{ID: "1", Reason: why}); err != why {
		t.Errorf("Reason = %v, want %v", err, why)
	}
}
