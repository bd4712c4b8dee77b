package apps

import (
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// The queue.purger kind is a queue's housekeeping: every `interval` it
// releases locks older than `maxlock` (left by a consumer that was killed:
// the element is then sent again, without anyone stepping in), removes
// temporary elements older than `maxtemp` (a producer killed mid-write) and
// empty intermediate directories. A transfer adds one for each queue end.

const purgerKind = "queue.purger"

func init() {
	actors.Register(actors.Kind{
		Name:    purgerKind,
		Summary: "purges a directory queue periodically: stale locks, old temporary elements, empty directories",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("directory of the queue").Example("/var/spool/bricks/out")).
			Field(actors.String("type").Default("dqs").Enum("dqs", "dqn").Description("queue flavour")).
			Field(actors.Duration("interval").Default(5 * time.Minute).Description("pause between two purges (the first runs at start)")).
			Field(actors.Duration("maxlock").Default(queue.DefaultPurge.MaxLock).Description("locks older than this are released (0: never)")).
			Field(actors.Duration("maxtemp").Default(queue.DefaultPurge.MaxTemp).Description("temporary elements older than this are removed (0: never)")),
		Validate: func(cfg *actors.Config) error {
			if cfg.Duration("interval") <= 0 {
				return fmt.Errorf("interval: must be longer than 0s")
			}
			return nil
		},
		New: func(cfg *actors.Config) (actor.Actor, error) { return &purger{cfg: cfg}, nil },
	})
}

type purger struct{ cfg *actors.Config }

// Receive implements actor.Actor. The purges walk directories, so they run
// in a goroutine the actor owns; a failing purge fails the actor.
func (p *purger) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); !ok {
		return
	}
	q, err := queue.Open(p.cfg.String("type"), p.cfg.String("path"))
	if err != nil {
		actors.Fail(ctx, err)
	}
	opts := queue.PurgeOptions{MaxLock: p.cfg.Duration("maxlock"), MaxTemp: p.cfg.Duration("maxtemp")}
	every := p.cfg.Duration("interval")
	log := logger(ctx, p.cfg)
	progress := actors.ProgressFunc(ctx)
	actors.Go(ctx, func(c context.Context) error {
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-c.Done():
				return nil
			case <-t.C:
			}
			if err := q.Purge(opts); err != nil {
				return fmt.Errorf("purging queue %s: %w", q.Path(), err)
			}
			progress()
			log.Debug("queue purged", "path", q.Path())
			t.Reset(every)
		}
	})
}
