package stomp

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
	"github.com/bricksmq/bricks/queue"
)

// The stomp.receiver kind: the source stage of a transfer out of a STOMP
// broker. It subscribes to `destination` and Delivers every MESSAGE to the
// `to:` sibling, with at most `prefetch` unanswered; it ACKs a message when
// its Confirm arrives and NACKs it on Reject. When it stops or restarts it
// disconnects, and the broker redelivers what was not acknowledged. A lost
// connection is handled by the Receiver, which reconnects and subscribes
// again; the stage fails to its supervisor when reconnection is exhausted,
// or at once when the broker refuses the login (*LoginError, not retried:
// the supervisor's restarts are the retry), with an error naming the
// broker URI and the destination.

// ReceiverKindName is the YAML kind of the receiver stage.
const ReceiverKindName = "stomp.receiver"

func init() {
	actors.Register(actors.Kind{
		Name:    ReceiverKindName,
		Summary: "consumes a STOMP destination and delivers each message downstream, acknowledging it once confirmed",
		Spec: withConnection(actors.NewSpec()).
			Field(actors.String("destination").Required().Description("destination to subscribe to").Example("/queue/in")).
			Field(actors.Sibling("to").Required().Description("sibling stage the messages are delivered to")).
			Field(actors.String("ack").Default(string(AckClientIndividual)).
				Enum(string(AckClientIndividual), string(AckClient), string(AckAuto)).
				Description("acknowledgement mode: client-individual (one ACK per message), client (cumulative) or auto (the broker forgets a message once sent: losses possible)")).
			Field(actors.Int("prefetch").Default(DefaultPrefetch).
				Description("most messages received and not yet acknowledged (sent to the broker as activemq.prefetchSize and prefetch-count)")).
			Field(actors.String("selector").Advanced().Description("JMS selector (ActiveMQ)")).
			Field(actors.StringMap("headers").Advanced().Description("extra SUBSCRIBE headers")).
			Field(actors.Int("count").Default(0).Description("stop normally after this many confirmed messages (0: no limit)")).
			Field(actors.Duration("subscribe_timeout").Advanced().
				Description("bound on the wait for the broker's RECEIPT of the SUBSCRIBE (default: connect_timeout); a broker silent that long is taken for dead and the connection is made again")),
		Validate: func(cfg *actors.Config) error {
			if err := atLeast(cfg, "prefetch", 1); err != nil {
				return err
			}
			if err := atLeast(cfg, "count", 0); err != nil {
				return err
			}
			_, err := connectionFrom(cfg)
			return err
		},
		New:          newReceiverActor,
		SignalsReady: true,
	})
}

// receiverActor is one incarnation of stomp.receiver.
type receiverActor struct {
	cfg    *actors.Config
	conn   connection
	sub    SubscribeOptions
	window int // most messages forwarded by the goroutine and not settled
	count  int

	acks  chan ackOp            // to the goroutine; capacity window
	inbox *pipe.Inbox[*arrival] // Delivered or held, by Deliver ID, until settled
	order []*arrival            // arrival order, for cumulative (client) acks
	seq   uint64
}

// arrival is one received message on its way downstream.
type arrival struct {
	d       *Delivery
	settled bool
	err     error // the Reject reason once settled
}

func arrivalMessage(ar *arrival) *queue.Message { return ar.d.Message }

// received hands Deliveries from the goroutine to the actor, in arrival
// order: every one waiting at once (pipe.Gather), one mailbox message per
// burst.
type received struct{ ds []*Delivery }

// receiverUp tells the actor that the subscription is active.
type receiverUp struct{}

// ackOp asks the goroutine to ACK (nack false) or NACK d, then to count
// slots messages as settled, freeing room for as many new ones.
type ackOp struct {
	d     *Delivery
	nack  bool
	slots int
}

func newReceiverActor(cfg *actors.Config) (actor.Actor, error) {
	c, err := connectionFrom(cfg)
	if err != nil {
		return nil, err
	}
	c.opts.SubscribeTimeout = cfg.Duration("subscribe_timeout")
	w := cfg.Int("prefetch")
	if w < 1 {
		w = DefaultPrefetch
	}
	return &receiverActor{cfg: cfg, conn: c, window: w, count: cfg.Int("count"),
		sub: SubscribeOptions{Destination: cfg.String("destination"), Ack: AckMode(cfg.String("ack")),
			Prefetch: w, Selector: cfg.String("selector"), Headers: cfg.StringMap("headers")},
		acks: make(chan ackOp, w)}, nil
}

// Receive implements actor.Actor.
func (a *receiverActor) Receive(ctx actor.Context) {
	switch m := pipe.Unwrap(ctx, a).(type) {
	case *actor.Started:
		// The Inbox Delivers in arrival order to the `to:` sibling, holds
		// messages while it is not running, and past `count` Delivers keeps
		// the rest until the actor stops (the broker redelivers it).
		a.inbox = pipe.NewInbox(ctx, a.cfg, a.count, arrivalMessage)
		p := pipe.TaggedPosterOf(ctx, a)
		actors.Go(ctx, func(gctx context.Context) error { return a.run(gctx, p) })
	case *receiverUp:
		actors.SignalReady(ctx)
	case *received:
		for _, d := range m.ds {
			a.arrive(ctx, d)
		}
	case *pipe.Retry:
		a.inbox.Retry(ctx)
	case *queue.Confirm:
		a.settle(ctx, m.ID, nil)
	case *queue.Reject:
		a.settle(ctx, m.ID, pipe.Reason(m))
	}
}

// arrive records a received message and offers it downstream.
func (a *receiverActor) arrive(ctx actor.Context, d *Delivery) {
	a.seq++
	// The ack id names the message for the broker; a message redelivered on
	// a new connection may reuse the id of one still in flight from the
	// old one, so a suffix keeps the IDs unique.
	id := ackID(d)
	if id == "" || a.inbox.Unsettled(id) {
		id += "#" + strconv.FormatUint(a.seq, 10)
	}
	ar := &arrival{d: d}
	if a.sub.Ack == AckClient {
		a.order = append(a.order, ar)
	}
	a.inbox.ArriveAs(ctx, id, ar)
}

// ackID is the id the broker acknowledges d by: the "ack" header (STOMP
// 1.2) or the message-id.
func ackID(d *Delivery) string {
	if id, ok := d.Frame().Header.Contains(frame.Ack); ok {
		return id
	}
	return d.MessageID
}

// settle acts on the answer for one Delivered message. A rejection makes
// room for one more Deliver: it does not count against `count`.
func (a *receiverActor) settle(ctx actor.Context, id string, reason error) {
	ar, ok, done := a.inbox.Settle(ctx, id, reason)
	if !ok {
		return // an answer for a message of a previous incarnation
	}
	if reason != nil {
		pipe.Logger(ctx, a.cfg).Warn("stomp receiver: message rejected downstream, NACKing it",
			"id", id, "destination", a.sub.Destination, "reason", reason)
	}
	ar.settled, ar.err = true, reason
	if a.sub.Ack == AckClient {
		a.settleCumulative()
	} else {
		a.ack(ackOp{d: ar.d, nack: reason != nil, slots: 1})
	}
	if done {
		actors.StopNormal(ctx)
	}
}

// settleCumulative acknowledges, in client mode, the longest run of settled
// messages at the head of the arrival order: an ACK there covers every
// earlier message of the subscription, so a message is acknowledged only
// once it and everything received before it are settled.
func (a *receiverActor) settleCumulative() {
	var last *arrival // the last confirmed message not yet ACKed
	slots := 0
	for len(a.order) > 0 && a.order[0].settled {
		ar := a.order[0]
		a.order[0] = nil
		a.order = a.order[1:]
		slots++
		if ar.err == nil {
			last = ar
			continue
		}
		if last != nil {
			a.ack(ackOp{d: last.d, slots: slots - 1})
			last, slots = nil, 1
		}
		a.ack(ackOp{d: ar.d, nack: true, slots: slots})
		slots = 0
	}
	if last != nil {
		a.ack(ackOp{d: last.d, slots: slots})
	}
}

// ack hands an acknowledgement to the goroutine. The channel holds one
// entry per settled message at most, and at most window messages are
// unsettled, so it never fills up while the goroutine runs.
func (a *receiverActor) ack(op ackOp) {
	select {
	case a.acks <- op:
	default:
		// The goroutine has ended: the broker redelivers the message.
	}
}

// run is the actor's goroutine: it subscribes, then forwards deliveries to
// the actor while fewer than window are unsettled and writes the
// acknowledgements the actor asks for, until the actor stops (it then
// writes the acknowledgements already asked for and closes the Receiver)
// or the Receiver gives up (an error: the actor fails).
func (a *receiverActor) run(ctx context.Context, p pipe.Poster) error {
	r, err := NewReceiver(ctx, a.conn.uri, a.conn.opts, a.sub)
	if err != nil {
		return fmt.Errorf("stomp receiver %s %s: %w", a.conn.uri, a.sub.Destination, err)
	}
	defer r.Close()
	log := cmp.Or(a.conn.opts.Logger, slog.Default())
	free := a.window
	// settle writes the acknowledgements asked for so far, op first, in
	// one burst: buffered, then each connection flushed once (one write
	// for many ACKs; a burst spans two connections only across a
	// reconnection). A failed write means the broker redelivers the
	// message: a duplicate, not a loss.
	settle := func(op ackOp) {
		var conn *Conn // where the acknowledgements not flushed yet wait
		for more := true; more; {
			c, err := op.d.settleBuffered(op.nack)
			if err != nil {
				log.Debug("stomp receiver: acknowledgement not written", "err", err)
			}
			if c != conn {
				flushAcks(conn, log)
				conn = c
			}
			free += op.slots
			select {
			case op = <-a.acks:
			default:
				more = false
			}
		}
		flushAcks(conn, log)
	}
	p.Post(&receiverUp{})
	for {
		in := r.Deliveries()
		if free == 0 {
			in = nil
		}
		select {
		case d, ok := <-in:
			if ok {
				var ds []*Delivery
				ds, ok = pipe.Gather(d, in, free)
				free -= len(ds)
				p.Post(&received{ds: ds})
			}
			if !ok {
				err := r.Err()
				if err == nil {
					err = ErrClosed
				}
				return fmt.Errorf("stomp receiver %s %s: %w", a.conn.uri, a.sub.Destination, err)
			}
		case op := <-a.acks:
			settle(op)
		case <-ctx.Done():
			select {
			case op := <-a.acks:
				settle(op)
			default:
			}
			return nil
		}
	}
}

// flushAcks writes out the acknowledgements buffered on c (nil: none).
func flushAcks(c *Conn, log *slog.Logger) {
	if c == nil {
		return
	}
	if err := c.flush(); err != nil {
		log.Debug("stomp receiver: acknowledgements not written", "err", err)
	}
}
