package pipe

import (
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/queue"
)

type (
	openSending struct{}
	sendResult  struct {
		id  string
		err error
	}
	answered struct {
		up string
		ok bool
	}
)

// TestSending runs a destination stage built on Sending: nothing is
// handed over before Open, then at most window messages in order, under
// IDs other than the upstream's; a result answers the Deliver's sender
// with its upstream ID (Confirm or Reject) and makes room for one more,
// and a result with an unknown or already answered ID does nothing.
func TestSending(t *testing.T) {
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	defer sys.Shutdown()
	const window = 2
	outs := make(chan (<-chan Outbound), 1)
	answers := make(chan answered, 10)
	unanswered := make(chan int, 10)
	var s *Sending
	stage := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			s = NewSending(window)
			outs <- s.C()
		case *openSending:
			s.Open()
		case *queue.Deliver:
			s.Deliver(ctx, m)
			unanswered <- s.Unanswered()
		case *sendResult:
			up, ok := s.Answer(ctx, m.id, m.err)
			answers <- answered{up, ok}
		}
	}))
	out := <-outs
	upstreamGot := make(chan any, 10)
	upstream := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			for i := range 4 {
				ctx.Request(stage, &queue.Deliver{ID: "u" + strconv.Itoa(i), Message: queue.NewText("m"+strconv.Itoa(i), nil)})
			}
		case *queue.Confirm, *queue.Reject:
			upstreamGot <- m
		}
	}))
	defer sys.Root.Stop(upstream)
	recv := func(c <-chan Outbound) Outbound {
		select {
		case o := <-c:
			return o
		case <-time.After(30 * time.Second): // deadlock guard
			t.Fatal("nothing handed over")
		}
		return Outbound{}
	}
	for i := range 4 {
		if n := <-unanswered; n != i+1 {
			t.Fatalf("%d Delivers unanswered after %d", n, i+1)
		}
	}
	if len(out) != 0 {
		t.Fatalf("%d messages handed over before Open", len(out))
	}
	sys.Root.Send(stage, &openSending{})
	o0, o1 := recv(out), recv(out)
	if string(o0.Message.Body) != "m0" || string(o1.Message.Body) != "m1" || o0.ID == "u0" || o0.ID == o1.ID {
		t.Fatalf("handed over %s %q, %s %q: want m0, m1 under IDs of the stage", o0.ID, o0.Message.Body, o1.ID, o1.Message.Body)
	}
	answer := func(id string, err error) answered {
		sys.Root.Send(stage, &sendResult{id, err})
		select {
		case a := <-answers:
			return a
		case <-time.After(30 * time.Second):
			t.Fatal("no answer handled")
		}
		return answered{}
	}
	if a := answer("nope", nil); a.ok {
		t.Errorf("an unknown ID was answered: %+v", a)
	}
	// The window is full (m0 and m1 handed over): an unknown ID makes no
	// room for m2.
	if len(out) != 0 {
		t.Fatalf("%d messages handed over beyond the window", len(out))
	}
	if a := answer(o0.ID, nil); !a.ok || a.up != "u0" {
		t.Errorf("answer of m0: %+v, want u0", a)
	}
	if o := recv(out); string(o.Message.Body) != "m2" {
		t.Errorf("after one answer, handed over %q, want m2", o.Message.Body)
	}
	if a := answer(o0.ID, nil); a.ok {
		t.Errorf("an ID was answered twice: %+v", a)
	}
	if a := answer(o1.ID, errors.New("refused")); !a.ok || a.up != "u1" {
		t.Errorf("rejection of m1: %+v, want u1", a)
	}
	for _, want := range []string{"confirm u0", "reject u1"} {
		select {
		case m := <-upstreamGot:
			got := ""
			switch m := m.(type) {
			case *queue.Confirm:
				got = "confirm " + m.ID
			case *queue.Reject:
				got = "reject " + m.ID
			}
			if got != want {
				t.Errorf("upstream got %s, want %s", got, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("upstream never got %s", want)
		}
	}
}
