package stomp

import (
	"context"
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
)

// The stomp.sender kind: the destination stage of a transfer into a STOMP
// broker. Every Deliver becomes a SEND with a receipt (a Sender keeps up to
// `window` of them in flight); the Deliver is answered with Confirm when its
// RECEIPT arrives, or Reject when the broker refused that very message (or it
// cannot be sent at all, e.g. it has no destination). A lost connection is
// handled by the Sender, which reconnects and resends what is unconfirmed;
// one it cannot recover fails the actor, and its supervisor restarts it
// together with the stages feeding it (rest_for_one), which offer their
// unconfirmed messages again.
//
// Refusals that are not about one message fail the actor the same way,
// rejecting nothing, so the source keeps every message (a queue unlocks its
// elements, nothing is moved aside) and the supervisor's backoff spaces the
// retries: a destination the broker refuses (no permission, missing
// exchange, or a refusal that strikes two different messages:
// *DestinationError), a login it refuses (*LoginError, at once), a broker
// it cannot reach within the URI's maxReconnectAttempts, or one that left
// messages without their RECEIPT for `receipt_timeout` on every connection
// that many reconnections made (*ReceiptTimeoutError).
// Every such error names the broker URI (which never holds credentials:
// they are connection fields), and the first two quote the broker's ERROR.

// SenderKindName is the YAML kind of the sender stage.
const SenderKindName = "stomp.sender"

func init() {
	actors.Register(actors.Kind{
		Name:    SenderKindName,
		Summary: "sends each delivered message to a STOMP broker and confirms it once the broker's receipt arrives",
		Spec: withConnection(actors.NewSpec()).
			Field(actors.String("destination").
				Description(`destination of every message (default: the message's own "destination" header)`).Example("/queue/out")).
			Field(actors.Int("window").Default(DefaultWindow).Description("most messages sent and not yet confirmed by a receipt")).
			Field(actors.Bool("persistent").Default(true).
				Description(`add "persistent:true" to messages that do not set the header`)).
			Field(actors.Duration("receipt_timeout").Advanced().
				Description("bound on the wait for the broker's RECEIPT of a message (default 30s); a broker silent that long is taken for dead: the connection is made again and the unconfirmed messages are resent")),
		Validate: func(cfg *actors.Config) error {
			if err := atLeast(cfg, "window", 1); err != nil {
				return err
			}
			_, err := connectionFrom(cfg)
			return err
		},
		New: func(cfg *actors.Config) (actor.Actor, error) {
			c, err := connectionFrom(cfg)
			if err != nil {
				return nil, err
			}
			c.opts.ReceiptTimeout = cfg.Duration("receipt_timeout")
			w := cfg.Int("window")
			if w < 1 {
				w = DefaultWindow
			}
			a := &senderActor{cfg: cfg, conn: c, so: SenderOptions{Window: w, NonPersistent: !cfg.Bool("persistent")}}
			a.stage = pipe.NewSenderStage("stomp sender", cfg, w, a.run)
			return a, nil
		},
		SignalsReady: true,
	})
}

// senderActor is one incarnation of stomp.sender: the shared sender stage
// (brokers/internal/pipe) around a goroutine owning a Sender.
type senderActor struct {
	cfg   *actors.Config
	conn  connection
	so    SenderOptions
	stage *pipe.SenderStage
}

// Receive implements actor.Actor.
func (a *senderActor) Receive(ctx actor.Context) {
	a.stage.Receive(ctx, a, pipe.Unwrap(ctx, a))
}

// run is the actor's goroutine: it connects, then Sends what the actor
// hands over and passes every Result back, until the actor stops (it then
// closes the Sender) or the Sender gives up (an error: the actor fails).
func (a *senderActor) run(ctx context.Context, p pipe.Poster, out <-chan pipe.Outbound) error {
	s, err := NewSender(ctx, a.conn.uri, a.conn.opts, a.so)
	if err != nil {
		err = fmt.Errorf("stomp sender %s: %w", a.conn.uri, err)
		if ctx.Err() != nil {
			// Stopped before it ever connected (e.g. the tree's start was
			// given up): the supervisor no longer listens, so say here
			// which broker could not be reached and why.
			a.conn.opts.withDefaults().Logger.Warn("stomp sender stopped before it could connect", "err", err)
			return nil
		}
		return err
	}
	defer func() {
		// Messages still unconfirmed are offered again by the restarted
		// upstream: waiting for their receipts would serve nobody.
		cctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = s.Close(cctx)
	}()
	p.Post(&pipe.SenderUp{})
	dest := a.cfg.String("destination")
	for {
		select {
		case o := <-out:
			// Every message already handed over goes in the same burst:
			// buffered, then written out at once (one write, not one per
			// frame). The actor hands over at most the window, so Buffer
			// never waits for room.
			for more := true; more; {
				err := s.Buffer(ctx, o.ID, dest, o.Message)
				switch {
				case err == nil:
				case ctx.Err() != nil:
					return nil
				case errors.Is(err, ErrClosed):
					return a.ended(s, p)
				default: // the message itself cannot be sent
					p.Post(pipe.Decisions{{ID: o.ID, Err: err}})
				}
				select {
				case o = <-out:
				default:
					more = false
				}
			}
			s.Flush()
		case r, ok := <-s.Results():
			if !ok {
				return a.ended(s, p)
			}
			rs, open := pipe.Gather(r, s.Results(), 0)
			p.Post(decisions(rs))
			if !open {
				return a.ended(s, p)
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// ended passes on the Results the stopped Sender still holds and returns
// why it stopped.
func (a *senderActor) ended(s *Sender, p pipe.Poster) error {
	<-s.Done()
	var rs []Result
	for r := range s.Results() {
		rs = append(rs, r)
	}
	if len(rs) > 0 {
		p.Post(decisions(rs))
	}
	err := s.Err()
	if err == nil {
		err = ErrClosed
	}
	return fmt.Errorf("stomp sender %s: %w", a.conn.uri, err)
}

// decisions turns the Sender's Results into the sender stage's Decisions.
func decisions(rs []Result) pipe.Decisions {
	ds := make(pipe.Decisions, len(rs))
	for i, r := range rs {
		ds[i] = pipe.Decided{ID: r.ID, Err: r.Err}
	}
	return ds
}
