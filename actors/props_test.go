package actors_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"go.uber.org/goleak"
)

// harness spawns one kind's actor under a parent that reports what a
// supervisor would see: readiness, failures and termination.
type harness struct {
	t      *testing.T
	system *actor.ActorSystem
	parent *actor.PID
	child  chan *actor.PID
	events chan any // *actors.Ready, failure reasons, *actor.Terminated
}

type parentActor struct {
	h     *harness
	props *actor.Props
}

func (p *parentActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.h.child <- ctx.Spawn(p.props)
	case *actors.Ready, *actor.Terminated:
		p.h.events <- m
	case stopChild:
		ctx.Stop(m.pid)
	}
}

// HandleFailure stops the failed child, as a bricks supervisor does.
func (p *parentActor) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, who *actor.PID, _ *actor.RestartStatistics, reason any, _ any) {
	p.h.events <- reason
	sup.StopChildren(who)
}

type stopChild struct{ pid *actor.PID }

func newHarness(t *testing.T, k actors.Kind) (*harness, *actor.PID) {
	t.Helper()
	h := &harness{t: t, child: make(chan *actor.PID, 1), events: make(chan any, 16),
		system: actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))}
	props := actors.Props(k, actors.NewConfig(k.Spec, nil))
	h.parent = h.system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &parentActor{h: h, props: props} }))
	t.Cleanup(func() { h.system.Root.Stop(h.parent) })
	return h, <-h.child
}

// next returns the next thing the parent saw (the deadline only guards
// against a hung test).
func (h *harness) next() any {
	h.t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(20 * time.Second):
		h.t.Fatal("nothing happened")
		return nil
	}
}

func (h *harness) stop(pid *actor.PID) { h.system.Root.Send(h.parent, stopChild{pid}) }

func kindOf(name string, ready bool, a func() actor.Actor) actors.Kind {
	return actors.Kind{Name: name, SignalsReady: ready, Spec: actors.NewSpec(),
		New: func(*actors.Config) (actor.Actor, error) { return a(), nil }}
}

func TestReadyAfterStarted(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var seen []string
	var mu sync.Mutex
	h, pid := newHarness(t, kindOf("t.plain", false, func() actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			if _, ok := ctx.Message().(*actor.Started); ok {
				mu.Lock()
				seen = append(seen, "started")
				mu.Unlock()
			}
		})
	}))
	if _, ok := h.next().(*actors.Ready); !ok {
		t.Fatal("no Ready after Started")
	}
	mu.Lock()
	if len(seen) != 1 {
		t.Errorf("Ready before the actor handled Started: %v", seen)
	}
	mu.Unlock()
	h.stop(pid)
	if _, ok := h.next().(*actor.Terminated); !ok {
		t.Fatal("no Terminated")
	}
}

func TestSignalReadyOnce(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, pid := newHarness(t, kindOf("t.manual", true, func() actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			if s, ok := ctx.Message().(string); ok && s == "up" {
				actors.SignalReady(ctx)
				actors.SignalReady(ctx) // only the first counts
			}
		})
	}))
	h.system.Root.Send(pid, "up")
	if _, ok := h.next().(*actors.Ready); !ok {
		t.Fatal("no Ready after SignalReady")
	}
	h.stop(pid)
	if ev, ok := h.next().(*actor.Terminated); !ok {
		t.Fatalf("got %T, want Terminated (one Ready only)", ev)
	}
}

func TestConstructorErrorFailsStart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, _ := newHarness(t, actors.Kind{Name: "t.broken", Spec: actors.NewSpec(),
		New: func(*actors.Config) (actor.Actor, error) { return nil, errors.New("bad config") }})
	reason := h.next()
	var f *actors.Failed
	if err, ok := reason.(error); !ok || !errors.As(err, &f) || f.Error() != "kind t.broken: bad config" {
		t.Fatalf("failure reason %v, want kind t.broken: bad config", reason)
	}
}

func TestFailAndPanicReasons(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h, pid := newHarness(t, kindOf("t.failer", false, func() actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			switch ctx.Message() {
			case "fail":
				actors.Fail(ctx, errors.New("nope"))
			case "panic":
				panic("boom")
			case "exit":
				actors.StopNormal(ctx)
			}
		})
	}))
	h.next() // Ready
	h.system.Root.Send(pid, "fail")
	var f *actors.Failed
	if r, ok := h.next().(error); !ok || !errors.As(r, &f) || f.Err.Error() != "nope" {
		t.Fatalf("Fail reason %v", r)
	}
	h.next() // Terminated

	h2, pid2 := newHarness(t, kindOf("t.failer", false, func() actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			if ctx.Message() == "panic" {
				panic("boom")
			}
		})
	}))
	h2.next()
	h2.system.Root.Send(pid2, "panic")
	p, ok := h2.next().(*actors.Panicked)
	if !ok || p.Value != "boom" || !strings.Contains(p.Stack(), "props_test") {
		t.Fatalf("panic reason %#v, want *Panicked with a stack", p)
	}
	h2.next()
}
