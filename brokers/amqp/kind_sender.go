package amqp

import (
	"context"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
)

// The amqp.sender kind: the destination stage of a transfer into an AMQP
// 1.0 broker. Every Deliver is sent unsettled on one link to `destination`
// (a Sender keeps up to `window` unsettled); the Deliver is answered with
// Confirm when the broker accepts it, with Reject when the broker rejects
// it (outcome "rejected") or it has no AMQP form. Any other outcome
// (released, modified: the broker did not take it, for now) and any link or
// connection failure leave the message in doubt: the actor fails, and its
// supervisor restarts it together with the stages feeding it, which offer
// their unconfirmed messages again. The decisions that arrived before the
// failure are passed on first, so that only the messages really in doubt
// are sent again.

// SenderKindName is the YAML kind of the sender stage.
const SenderKindName = "amqp.sender"

func init() {
	registerKind(actors.Kind{
		Name:    SenderKindName,
		Summary: "sends each delivered message to an AMQP 1.0 address and confirms it once the broker accepted it",
		Spec: withKindConnection(actors.NewSpec()).
			Field(actors.String("destination").Required().
				Description(`AMQP target address of every message (RabbitMQ: "/amq/queue/NAME" for an existing queue)`).
				Example("/amq/queue/out")).
			Field(actors.Int("window").Default(DefaultWindow).Description("most messages sent and not yet accepted by the broker")).
			Field(actors.Bool("durable").Default(true).
				Description(`mark every message durable (RabbitMQ keeps only durable messages across restarts); false leaves it to each message's "durable" header`)),
	}, []bound{{"window", 1}}, func(cfg *actors.Config, c kindConnection) actor.Actor {
		a := &senderActor{cfg: cfg, conn: c, dest: cfg.String("destination"),
			so: SenderOptions{Window: intOr(cfg, "window", DefaultWindow), Durable: cfg.Bool("durable")}}
		a.stage = pipe.NewSenderStage("amqp sender", cfg, a.so.Window, a.run)
		return a
	})
}

// senderActor is one incarnation of amqp.sender: the shared sender stage
// (brokers/internal/pipe) around a goroutine owning the connection and link.
type senderActor struct {
	cfg   *actors.Config
	conn  kindConnection
	dest  string
	so    SenderOptions
	stage *pipe.SenderStage
}

// Receive implements actor.Actor.
func (a *senderActor) Receive(ctx actor.Context) {
	a.stage.Receive(ctx, a, pipe.Unwrap(ctx, a))
}

// run is the actor's goroutine: it connects and attaches, then Sends what
// the actor hands over and passes every decision back, until the actor
// stops (it then closes the connection) or the link fails (an error: the
// actor fails).
func (a *senderActor) run(ctx context.Context, p pipe.Poster, out <-chan pipe.Outbound) error {
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
	p.Post(&pipe.SenderUp{})
	for {
		select {
		case o := <-out:
			if err := s.Send(ctx, o.ID, o.Message); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if _, merr := ToAMQP(o.Message); merr != nil {
					// The message itself has no AMQP form: refuse it alone.
					p.Post(pipe.Decisions{{ID: o.ID, Err: err}})
					continue
				}
				return a.failed(ctx, s, p, err)
			}
		case conf, ok := <-s.Confirmations():
			if !ok {
				return fmt.Errorf("amqp sender %s target %s: %w", a.conn.uri, a.dest, ErrClosed)
			}
			confs, open := pipe.Gather(conf, s.Confirmations(), 0)
			if err := a.decided(p, confs...); err != nil {
				return a.failed(ctx, s, p, err)
			}
			if !open {
				return fmt.Errorf("amqp sender %s target %s: %w", a.conn.uri, a.dest, ErrClosed)
			}
		case <-c.Done():
			return a.failed(ctx, s, p, c.Err())
		case <-ctx.Done():
			return nil
		}
	}
}

// decided passes on to the actor, as one message, the confs the broker
// decided for good (accepted, or rejected: never to be taken), and returns
// an error for the first other one: released, modified or a link failure
// leave the message in doubt, not refused, and failing makes the upstream
// offer it again. The decisions after an undecided one are still passed on
// (the upstream then resends only what is really in doubt).
func (a *senderActor) decided(p pipe.Poster, confs ...Confirmation) error {
	var err error
	rs := make(pipe.Decisions, 0, len(confs))
	for _, conf := range confs {
		if conf.Err != nil && !isRejected(conf.Err) {
			if err == nil {
				err = fmt.Errorf("message not accepted: %w", conf.Err)
			}
			continue
		}
		rs = append(rs, pipe.Decided{ID: conf.ID, Err: conf.Err})
	}
	if len(rs) > 0 {
		p.Post(rs)
	}
	return err
}

// failed ends the goroutine after the link or connection failed with
// cause. The decisions that arrived before the failure are still passed
// on: the restarted upstream then sends again only the messages really in
// doubt, not those the broker already took (duplicates). Once the link is
// gone the Sender turns every message still awaiting its disposition into
// an error Confirmation, so this waits for no broker; it ends early when
// the actor stops.
func (a *senderActor) failed(ctx context.Context, s *Sender, p pipe.Poster, cause error) error {
	err := fmt.Errorf("amqp sender %s target %s: %w", a.conn.uri, a.dest, cause)
	confs := s.Confirmations()
	for {
		// Read the count first: at 0, every Confirmation to come was
		// buffered before, and an empty channel means none is left.
		waiting := s.unreadCount()
		select {
		case conf, ok := <-confs:
			if !ok {
				return err
			}
			_ = a.decided(p, conf) // one in doubt does not end the others
			continue
		default:
		}
		if waiting == 0 {
			return err
		}
		select {
		case conf, ok := <-confs:
			if !ok {
				return err
			}
			_ = a.decided(p, conf)
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
