package pipe

import (
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// env resolves the `to:` sibling to sink once up is set.
type env struct {
	up   atomic.Bool
	sink *actor.PID
}

func (e *env) Path() string         { return "test/source" }
func (e *env) Logger() *slog.Logger { return slog.New(slog.DiscardHandler) }
func (e *env) Sibling(string) *actor.PID {
	if e.up.Load() {
		return e.sink
	}
	return nil
}

// arrive makes the source actor receive one broker message.
type arrive struct{ body string }

// TestInbox runs a source actor built on Inbox against a sink that records
// the Delivers and answers them as told: messages are held while the
// sibling is missing and then Delivered in arrival order, under IDs unique
// to the incarnation; answers with unknown IDs are ignored; Settle reports
// the count reached after exactly `count` confirmations, and a rejection
// makes room for one more Deliver.
func TestInbox(t *testing.T) {
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	defer sys.Shutdown()

	var mu sync.Mutex
	var got []*queue.Deliver
	delivered := make(chan struct{}, 100)
	sink := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if d, ok := ctx.Message().(*queue.Deliver); ok {
			mu.Lock()
			got = append(got, d)
			mu.Unlock()
			delivered <- struct{}{}
		}
	}))
	e := &env{sink: sink}
	cfg := actors.NewConfig(actors.NewSpec().Field(actors.Sibling("to")), map[string]any{"to": "sink"}).WithEnv(e)

	type settled struct {
		body     string
		ok, done bool
	}
	results := make(chan settled, 100)
	const count = 3
	var inbox *Inbox[string]
	source := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			inbox = NewInbox(ctx, cfg, count, func(s string) *queue.Message { return queue.NewText(s, nil) })
		case *arrive:
			inbox.Arrive(ctx, m.body)
		case *Retry:
			inbox.Retry(ctx)
		case *queue.Confirm:
			body, ok, done := inbox.Settle(ctx, m.ID, nil)
			results <- settled{body, ok, done}
		case *queue.Reject:
			body, ok, done := inbox.Settle(ctx, m.ID, m.Reason)
			results <- settled{body, ok, done}
		}
	}))

	// The sibling is missing: messages are held.
	for i := range 5 {
		sys.Root.Send(source, &arrive{body: "m" + strconv.Itoa(i)})
	}
	e.up.Store(true) // the next retry delivers, in order, at most count
	for range count {
		select {
		case <-delivered:
		case <-time.After(30 * time.Second): // deadlock guard
			t.Fatal("held messages were never delivered")
		}
	}
	mu.Lock()
	ds := append([]*queue.Deliver(nil), got...)
	mu.Unlock()
	seen := map[string]bool{}
	for i, d := range ds {
		if want := "m" + strconv.Itoa(i); string(d.Message.Body) != want {
			t.Errorf("Deliver %d carries %q, want %q", i, d.Message.Body, want)
		}
		if seen[d.ID] {
			t.Errorf("ID %s used twice", d.ID)
		}
		seen[d.ID] = true
	}

	answer := func(msg any) settled {
		sys.Root.Send(source, msg)
		select {
		case r := <-results:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("no answer handled")
		}
		return settled{}
	}
	if r := answer(&queue.Confirm{ID: "0.1"}); r.ok {
		t.Errorf("an unknown ID settled %q", r.body)
	}
	if r := answer(&queue.Reject{ID: ds[0].ID, Reason: errors.New("no")}); !r.ok || r.body != "m0" || r.done {
		t.Errorf("reject: %+v", r)
	}
	if r := answer(&queue.Confirm{ID: ds[1].ID}); !r.ok || r.body != "m1" || r.done {
		t.Errorf("first confirm: %+v", r)
	}
	if r := answer(&queue.Confirm{ID: ds[1].ID}); r.ok {
		t.Errorf("an ID settled twice: %+v", r)
	}
	// The rejection made room for one more Deliver: m3.
	select {
	case <-delivered:
	case <-time.After(30 * time.Second):
		t.Fatal("a rejection did not make room for another Deliver")
	}
	mu.Lock()
	m3 := got[count]
	mu.Unlock()
	if string(m3.Message.Body) != "m3" {
		t.Fatalf("after the rejection, Delivered %q, want m3", m3.Message.Body)
	}
	if r := answer(&queue.Confirm{ID: ds[2].ID}); !r.ok || r.body != "m2" || r.done {
		t.Errorf("second confirm: %+v", r)
	}
	if r := answer(&queue.Confirm{ID: m3.ID}); !r.ok || r.body != "m3" || !r.done {
		t.Errorf("third confirm: %+v, want done", r)
	}
	// m4 was never Delivered: count messages are confirmed.
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != count+1 {
		t.Errorf("%d Delivers, want count+1 = %d (one was rejected)", n, count+1)
	}
}

// TestInboxArriveAs checks that an item received under an ID of the
// caller's choosing is Delivered under it, is Unsettled until answered,
// and no longer once answered.
func TestInboxArriveAs(t *testing.T) {
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	defer sys.Shutdown()
	delivered := make(chan *queue.Deliver, 10)
	sink := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if d, ok := ctx.Message().(*queue.Deliver); ok {
			delivered <- d
		}
	}))
	e := &env{sink: sink}
	e.up.Store(true)
	cfg := actors.NewConfig(actors.NewSpec().Field(actors.Sibling("to")), map[string]any{"to": "sink"}).WithEnv(e)
	unsettled := make(chan bool, 10)
	var inbox *Inbox[string]
	source := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			inbox = NewInbox(ctx, cfg, 0, func(s string) *queue.Message { return queue.NewText(s, nil) })
		case *arrive:
			inbox.ArriveAs(ctx, "ack-"+m.body, m.body)
			unsettled <- inbox.Unsettled("ack-" + m.body)
		case *queue.Confirm:
			inbox.Settle(ctx, m.ID, nil)
			unsettled <- inbox.Unsettled(m.ID)
		}
	}))
	wait := func() bool {
		select {
		case u := <-unsettled:
			return u
		case <-time.After(30 * time.Second): // deadlock guard
			t.Fatal("nothing handled")
		}
		return false
	}
	sys.Root.Send(source, &arrive{body: "x"})
	if !wait() {
		t.Error("an item just received is not Unsettled")
	}
	select {
	case d := <-delivered:
		if d.ID != "ack-x" || string(d.Message.Body) != "x" {
			t.Errorf("Delivered %s %q, want ack-x \"x\"", d.ID, d.Message.Body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("never Delivered")
	}
	sys.Root.Send(source, &queue.Confirm{ID: "ack-x"})
	if wait() {
		t.Error("a confirmed item is still Unsettled")
	}
}
