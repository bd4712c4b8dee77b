package amqp

import (
	"context"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
	"github.com/bricksmq/bricks/queue"
)

// The amqp.sender kind: the destination stage of a transfer into an AMQP
// 1.0 broker. Every Deliver is sent unsettled on one link to `destination`
// (a Sender keeps up to `window` unsettled); the Deliver is answered with
// Confirm when the broker accepts it, with Reject when the broker rejects
// it (outcome "rejected") or it has no AMQP form. Any other outcome
// (released, modified: the broker did not take it, for now) and any link or
// connection failure leave the message in doubt: the actor fails, and its
// supervisor restarts it together with the stages feeding it, which offer
// their unconfirmed messages again.

// SenderKindName is the YAML kind of the sender stage.
const SenderKindName = "amqp.sender"

func init() {
	actors.Register(actors.Kind{
		Name:    SenderKindName,
		Summary: "sends each delivered message to an AMQP 1.0 address and confirms it once the broker accepted it",
		Spec: withKindConnection(actors.NewSpec()).
			Field(actors.String("destination").Required().
				Description(`AMQP target address of every message (RabbitMQ: "/amq/queue/NAME" for an existing queue)`).
				Example("/amq/queue/out")).
			Field(actors.Int("window").Default(DefaultWindow).Description("most messages sent and not yet accepted by the broker")).
			Field(actors.Bool("durable").Default(true).
				Description(`mark every message durable (RabbitMQ keeps only durable messages across restarts); false leaves it to each message's "durable" header`)),
		Validate: func(cfg *actors.Config) error {
			if w := cfg.Int("window"); w < 1 {
				return fmt.Errorf("window: must be at least 1, got %d", w)
			}
			_, err := connectionFrom(cfg)
			return err
		},
		New: func(cfg *actors.Config) (actor.Actor, error) {
			c, err := connectionFrom(cfg)
			if err != nil {
				return nil, err
			}
			w := cfg.Int("window")
			if w < 1 {
				w = DefaultWindow
			}
			return &senderActor{cfg: cfg, conn: c, dest: cfg.String("destination"),
				so: SenderOptions{Window: w, Durable: cfg.Bool("durable")}}, nil
		},
		SignalsReady: true,
	})
}

// senderActor is one incarnation of amqp.sender.
type senderActor struct {
	cfg  *actors.Config
	conn kindConnection
	dest string
	so   SenderOptions

	origins *pipe.Origins          // every Deliver not yet answered, by our id
	out     *pipe.Outbox[outbound] // to the goroutine, at most window unanswered
}

// outbound is a message for the goroutine to Send under our id.
type outbound struct {
	id  string
	msg *queue.Message
}

// senderUp tells the actor that the link is attached.
type senderUp struct{}

// sendResult is the broker's decision on one outbound message: Err nil
// (accepted) or the reason to Reject it.
type sendResult struct {
	id  string
	err error
}

// Receive implements actor.Actor.
func (a *senderActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		// Fresh per incarnation: the goroutine of the previous one is gone,
		// and results it left in the mailbox match no id of this one.
		a.origins = pipe.NewOrigins()
		a.out = pipe.NewOutbox[outbound](a.so.Window)
		p := pipe.PosterOf(ctx)
		out := a.out.C()
		actors.Go(ctx, func(gctx context.Context) error { return a.run(gctx, p, out) })
	case *senderUp:
		actors.SignalReady(ctx)
		a.out.Open()
	case *queue.Deliver:
		id := a.origins.Add(ctx.Sender(), m)
		a.out.Push(outbound{id: id, msg: m.Message})
	case *sendResult:
		up, ok := a.origins.Answer(ctx, m.id, m.err)
		if !ok {
			return
		}
		if m.err != nil {
			pipe.Logger(ctx, a.cfg).Warn("amqp sender: message refused", "id", up, "destination", a.dest, "err", m.err)
		}
		a.out.Done()
	}
}

// run is the actor's goroutine: it connects and attaches, then Sends what
// the actor hands over and passes every decision back, until the actor
// stops (it then closes the connection) or the link fails (an error: the
// actor fails). The actor hands over at most window messages not yet
// decided, so Send never waits for a window slot and the Confirmations
// buffer never fills.
func (a *senderActor) run(ctx context.Context, p pipe.Poster, out <-chan outbound) error {
	c, err := Dial(ctx, a.conn.uri, a.conn.opts)
	if err != nil {
		return fmt.Errorf("amqp sender %s: %w", a.conn.uri, err)
	}
	// Closing the connection ends the link and its session at once,
	// bounded by one frame write; unconfirmed messages are resent by the
	// restarted upstream.
	defer c.Close()
	s, err := c.NewSender(ctx, a.dest, a.so)
	if err != nil {
		return fmt.Errorf("amqp sender %s: %w", a.conn.uri, err)
	}
	p.Post(&senderUp{})
	for {
		select {
		case o := <-out:
			if err := s.Send(ctx, o.id, o.msg); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if _, merr := ToAMQP(o.msg); merr != nil {
					// The message itself has no AMQP form: refuse it alone.
					p.Post(&sendResult{id: o.id, err: err})
					continue
				}
				return fmt.Errorf("amqp sender %s: %w", a.conn.uri, err)
			}
		case conf, ok := <-s.Confirmations():
			if !ok {
				return fmt.Errorf("amqp sender %s target %s: %w", a.conn.uri, a.dest, ErrClosed)
			}
			if conf.Err != nil && !isRejected(conf.Err) {
				// Released, modified or a link failure: not refused for
				// good, only not taken now. Failing makes the upstream
				// offer it again.
				return fmt.Errorf("amqp sender %s: message not accepted: %w", a.conn.uri, conf.Err)
			}
			p.Post(&sendResult{id: conf.ID, err: conf.Err})
		case <-c.Done():
			return fmt.Errorf("amqp sender: %w", c.Err())
		case <-ctx.Done():
			return nil
		}
	}
}

// isRejected reports whether err is the broker's "rejected" outcome: the
// broker will never take that message, so it is Rejected upstream rather
// than retried.
func isRejected(err error) bool {
	var de *DispositionError
	return errors.As(err, &de) && de.Outcome == "rejected"
}
