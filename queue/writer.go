package queue

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// The queue.writer kind: the destination stage of a transfer into a
// directory queue. It adds every Delivered message to the queue and Confirms
// it only once the add completed (the element was renamed or linked into
// place). A failed add fails the writer instead of answering, so its
// supervisor restarts it together with the stages after it, which offer the
// message again: the source never acknowledges what was not stored.

func init() {
	actors.Register(actors.Kind{
		Name:    "queue.writer",
		Summary: "stores each delivered message in a directory queue and confirms it once stored",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("directory of the queue to write").Example("/var/spool/bricks/in")).
			Field(actors.String("type").Default("dqs").Enum("dqs", "dqn", "null").Description("queue flavour: dqs, dqn, or null (discard)")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &writer{cfg: cfg}, nil },
	})
}

type writer struct {
	cfg *actors.Config
	q   Queue
}

// Receive implements actor.Actor.
func (w *writer) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		q, err := Open(w.cfg.String("type"), w.cfg.String("path"))
		if err != nil {
			actors.Fail(ctx, err)
		}
		w.q = q
	case *Deliver:
		if _, err := w.q.AddMessage(m.Message); err != nil {
			actors.Fail(ctx, fmt.Errorf("storing message %s: %w", m.ID, err))
		}
		Answer(ctx, ctx.Sender(), m.ID, nil)
	}
}
