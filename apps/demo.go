package apps

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// Two small kinds for demonstrations and the quickstart: demo.producer plays
// the part of an application writing to its local queue, demo.printer the
// part of a consumer at the end of a pipeline. demo.printer is also the
// smallest example of a custom consumer stage: it answers every Deliver with
// Confirm once it is done with the message.

func init() {
	actors.Register(actors.Kind{
		Name:    "demo.producer",
		Summary: "adds numbered text messages to a directory queue, like an application producing work",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("directory of the queue to add to")).
			Field(actors.String("type").Default("dqs").Enum("dqs", "dqn").Description("queue flavour")).
			Field(actors.Int("count").Default(10).Description("how many messages to add before stopping normally (0: forever)")).
			Field(actors.Duration("interval").Default(500 * time.Millisecond).Description("pause between two messages")).
			Field(actors.String("body").Default("hello from bricks #%d").Description("message body; %d is replaced by the message number")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &producer{cfg: cfg}, nil },
	})
	actors.Register(actors.Kind{
		Name:    "demo.printer",
		Summary: "logs every delivered message and confirms it: the smallest custom consumer",
		Spec: actors.NewSpec().
			Field(actors.Int("max_body").Default(200).Description("longest body shown, in bytes")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &printer{cfg: cfg}, nil },
	})
}

// logger returns the node's logger inside a tree, else the actor system's.
func logger(ctx actor.Context, cfg *actors.Config) *slog.Logger {
	if env := cfg.Env(); env != nil {
		return env.Logger()
	}
	return ctx.Logger()
}

type producer struct {
	cfg    *actors.Config
	q      queue.Queue
	n      int
	cancel scheduler.CancelFunc
}

type produceTick struct{}

// Receive implements actor.Actor.
func (p *producer) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		q, err := queue.Open(p.cfg.String("type"), p.cfg.String("path"))
		if err != nil {
			actors.Fail(ctx, err)
		}
		p.q = q
		ctx.Send(ctx.Self(), &produceTick{})
	case *produceTick:
		p.produce(ctx)
	case *actor.Stopping, *actor.Restarting:
		if p.cancel != nil {
			p.cancel()
		}
	}
}

func (p *producer) produce(ctx actor.Context) {
	p.n++
	body := p.cfg.String("body")
	if strings.Contains(body, "%d") {
		body = strings.Replace(body, "%d", fmt.Sprint(p.n), 1)
	}
	name, err := p.q.AddMessage(queue.NewText(body, map[string]string{"seq": fmt.Sprint(p.n)}))
	if err != nil {
		actors.Fail(ctx, err)
	}
	logger(ctx, p.cfg).Info("produced", "element", name, "seq", p.n)
	if count := p.cfg.Int("count"); count > 0 && p.n >= count {
		actors.StopNormal(ctx)
		return
	}
	p.cancel = scheduler.NewTimerScheduler(ctx.ActorSystem().Root).SendOnce(p.cfg.Duration("interval"), ctx.Self(), &produceTick{})
}

type printer struct {
	cfg *actors.Config
}

// Receive implements actor.Actor.
func (p *printer) Receive(ctx actor.Context) {
	d, ok := ctx.Message().(*queue.Deliver)
	if !ok {
		return
	}
	body := d.Message.Body
	if max := p.cfg.Int("max_body"); len(body) > max {
		body = body[:max]
	}
	logger(ctx, p.cfg).Info("received", "id", d.ID, "header", d.Message.Header, "body", string(body))
	queue.Answer(ctx, ctx.Sender(), d.ID, nil)
}
