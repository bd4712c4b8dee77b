package supervision

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// gatedCounter counts the messages it handles; the first one blocks until
// the gate is closed, so the test can pile up a mailbox behind it.
type gatedCounter struct {
	gate    chan struct{}
	handled *atomic.Int64
}

type countMe struct{}

func (g *gatedCounter) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*countMe); !ok {
		return
	}
	if g.handled.Add(1) == 1 {
		<-g.gate
	}
}

// TestPlannedStopKeepsMessageOrder: a worker stopped by its supervisor first
// handles what is already in its mailbox, as an Erlang process trapping exits
// receives the shutdown signal in order. (protoactor's own Stop is a system
// message that overtakes the mailbox: a stage would drop the Confirms it was
// sent before the stop, and its source would send those messages again.)
func TestPlannedStopKeepsMessageOrder(t *testing.T) {
	gate := make(chan struct{})
	var handled atomic.Int64
	kind := actors.Kind{
		Name: "stoporder.counter",
		New: func(*actors.Config) (actor.Actor, error) {
			return &gatedCounter{gate: gate, handled: &handled}, nil
		},
	}
	actors.Register(kind)
	tree := &Tree{Root: &Node{Name: "root", Strategy: OneForOne, Intensity: 1, Period: time.Second,
		Shutdown: Shutdown{Infinity: true},
		Children: []*Node{{Name: "counter", Kind: kind.Name, With: actors.NewConfig(actors.NewSpec(), nil),
			Shutdown: Shutdown{Timeout: time.Minute}}}}}
	run, err := Start(context.Background(), tree, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop(context.Background())
	pid := run.PID("root/counter")
	const n = 100
	for i := 0; i < n; i++ {
		run.System().Root.Send(pid, &countMe{})
	}
	stopped := make(chan error, 1)
	go func() { stopped <- run.TerminateChild(context.Background(), "root/counter") }()
	deadline := time.Now().Add(30 * time.Second)
	for state(run, "root/counter") != StateStopping {
		if time.Now().After(deadline) {
			t.Fatal("the supervisor never began stopping the counter")
		}
		time.Sleep(time.Millisecond)
	}
	close(gate) // the stop is under way: now let the counter work through its mailbox
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if got := handled.Load(); got != n {
		t.Fatalf("the worker handled %d of the %d messages sent before its stop", got, n)
	}
}
