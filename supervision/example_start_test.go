package supervision_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
)

// counter is a tiny worker kind a Go service might embed.
type counter struct{ n int }

func (c *counter) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(string); ok {
		c.n++
	}
}

func init() {
	actors.Register(actors.Kind{Name: "example.counter", Summary: "counts strings",
		New: func(*actors.Config) (actor.Actor, error) { return &counter{}, nil }})
}

// ExampleStart embeds a supervision tree in a Go service: build the tree
// (or Load it from YAML), Start it, and Stop it on the way out.
func ExampleStart() {
	tree := &supervision.Tree{Root: &supervision.Node{
		Name:      "service",
		Strategy:  supervision.RestForOne,
		Intensity: 3,
		Period:    supervision.DefaultPeriod,
		Children: []*supervision.Node{
			{Name: "ingest", Kind: "example.counter"},
			{Name: "workers", Strategy: supervision.OneForOne, Intensity: 5, Period: supervision.DefaultPeriod,
				Children: []*supervision.Node{{Name: "w1", Kind: "example.counter"}, {Name: "w2", Kind: "example.counter"}}},
		},
	}}
	events := make(chan supervision.Event, 16)
	running, err := supervision.Start(context.Background(), tree,
		supervision.WithLogger(slog.New(slog.DiscardHandler)),
		supervision.WithEventHook(func(ev supervision.Event) { events <- ev }))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range running.Inspect() {
		fmt.Println(st.Path, st.State)
	}
	if err := running.Stop(context.Background()); err != nil {
		fmt.Println(err)
	}
	close(events)
	for ev := range events {
		fmt.Println(ev)
	}
	// Output:
	// service running
	// service/ingest running
	// service/workers running
	// service/workers/w1 running
	// service/workers/w2 running
	// service/ingest: started
	// service/workers/w1: started
	// service/workers/w2: started
	// service/workers: started
	// service: started
	// service/workers/w2: stopped
	// service/workers/w1: stopped
	// service/workers: stopped
	// service/ingest: stopped
	// service: stopped
}
