package amqp

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
	"github.com/bricksmq/bricks/queue"
)

// The amqp.receiver kind: the source stage of a transfer out of an AMQP 1.0
// broker. It attaches a receiving link to `destination` with `prefetch`
// credit and Delivers every message to the `to:` sibling, with an ID of its
// own per delivery, at most `window` of them unanswered. It settles a
// delivery only once answered:
//
//   - Confirm: accepted, the broker removes the message;
//   - Reject: rejected (the AMQP outcome, not a release): the downstream
//     stage said it can never take the message, so giving it back would
//     only bring it here again, forever; the broker discards it or, when
//     configured so, dead-letters it. The reason goes in the rejection's
//     description.
//
// A delivery with a body that has no queue.Message form (an AMQP sequence,
// a map value...) never reaches the sibling: it is rejected at once with
// condition amqp:decode-error, and logged. Unanswered deliveries are
// redelivered by the broker when the actor stops or restarts. A planned
// stop comes in message order (actors.StopRequest), so answers already in
// the mailbox are settled first; after a crash they are not, and those
// messages come back too — a duplicate, not a loss. Settlements the actor
// decided before stopping are all written, then the session is ended,
// before the connection closes. With `count` the actor stops normally
// after that many confirmed messages; what it received beyond them is given
// back.
//
// Duplicates after a broker restart are the messages passed downstream
// whose acceptance did not reach the broker, so the kind keeps that number
// small: the prefetch waits in the client, and only `window` messages
// (default 100, as the stomp.receiver's prefetch) are passed downstream
// unanswered; a delivery that arrives once the connection is gone is never
// passed on (the broker redelivers it); and what the goroutine of a
// previous incarnation posted is dropped (pipe.TaggedPosterOf), never
// Delivered for an acceptance that would go to a closed link.

// ReceiverKindName is the YAML kind of the receiver stage.
const ReceiverKindName = "amqp.receiver"

// DefaultReceiverWindow is the default `window` of amqp.receiver.
const DefaultReceiverWindow = 100

func init() {
	registerKind(actors.Kind{
		Name:    ReceiverKindName,
		Summary: "consumes an AMQP 1.0 address and delivers each message downstream, accepting it once confirmed",
		Spec: withKindConnection(actors.NewSpec()).
			Field(actors.String("destination").Required().
				Description(`AMQP source address (RabbitMQ: "/amq/queue/NAME" for an existing durable queue)`).
				Example("/amq/queue/in")).
			Field(actors.Sibling("to").Required().Description("sibling stage the messages are delivered to")).
			Field(actors.Int("prefetch").Default(DefaultCredit).
				Description("link credit: most messages received and not yet settled")).
			Field(actors.Int("window").Default(DefaultReceiverWindow).Advanced().
				Description("most messages delivered downstream and not yet answered (at most prefetch); the rest of the prefetch waits, so a broker restart redelivers it without duplicates")).
			Field(actors.Int("count").Default(0).Description("stop normally after this many confirmed messages (0: no limit)")),
	}, []bound{{"prefetch", 1}, {"window", 1}, {"count", 0}}, func(cfg *actors.Config, c kindConnection) actor.Actor {
		credit := intOr(cfg, "prefetch", DefaultCredit)
		return &receiverActor{cfg: cfg, conn: c, source: cfg.String("destination"), credit: credit,
			window: min(intOr(cfg, "window", DefaultReceiverWindow), credit)}
	})
}

// receiverActor is one incarnation of amqp.receiver.
type receiverActor struct {
	cfg    *actors.Config
	conn   kindConnection
	source string
	credit int
	window int

	inbox   *pipe.Inbox[*Delivery]
	settles chan settleOp // to the goroutine
}

// settleOp asks the goroutine to accept d (reason nil) or reject it.
type settleOp struct {
	d      *Delivery
	reason error
}

// received hands Deliveries from the goroutine to the actor, in arrival
// order: as many as were ready, one mailbox message for all.
type received struct{ ds []*Delivery }

// receiverUp tells the actor that the link is attached.
type receiverUp struct{}

func deliveryMessage(d *Delivery) *queue.Message { return d.Message }

// Receive implements actor.Actor.
func (a *receiverActor) Receive(ctx actor.Context) {
	switch m := pipe.Unwrap(ctx, a).(type) {
	case *actor.Started:
		a.inbox = pipe.NewInbox(ctx, a.cfg, a.cfg.Int("count"), deliveryMessage)
		// The goroutine passes on at most window deliveries not settled,
		// so this channel never fills: settling never blocks.
		a.settles = make(chan settleOp, a.window)
		p := pipe.TaggedPosterOf(ctx, a)
		settles := a.settles
		actors.Go(ctx, func(gctx context.Context) error { return a.run(gctx, p, settles) })
	case *receiverUp:
		actors.SignalReady(ctx)
	case *received:
		for _, d := range m.ds {
			a.inbox.Arrive(ctx, d)
		}
	case *pipe.Retry:
		a.inbox.Retry(ctx)
	case *queue.Confirm:
		a.settle(ctx, m.ID, nil)
	case *queue.Reject:
		a.settle(ctx, m.ID, pipe.Reason(m))
	}
}

// settle acts on the answer for one Delivered message.
func (a *receiverActor) settle(ctx actor.Context, id string, reason error) {
	d, ok, done := a.inbox.Settle(ctx, id, reason)
	if !ok {
		return // an answer meant for a previous incarnation
	}
	if reason != nil {
		pipe.Logger(ctx, a.cfg).Warn("amqp receiver: message rejected downstream, rejecting it",
			"id", id, "source", a.source, "reason", reason)
	}
	select {
	case a.settles <- settleOp{d: d, reason: reason}:
	default:
		// Only when the goroutine has ended: the broker redelivers it.
	}
	if done {
		actors.StopNormal(ctx)
	}
}

// run is the actor's goroutine: it connects and attaches, then forwards
// deliveries to the actor, at most window not settled, and writes the
// settlements it asks for, until the actor stops (it then writes the
// settlements already asked for and closes the connection) or the link
// fails (an error: the actor fails).
func (a *receiverActor) run(ctx context.Context, p pipe.Poster, settles <-chan settleOp) error {
	c, err := Dial(ctx, a.conn.uri, a.conn.opts)
	if err != nil {
		return fmt.Errorf("amqp receiver %s %s: %w", a.conn.uri, a.source, err)
	}
	// Closing the connection ends the link at once; the broker redelivers
	// every message not accepted.
	defer c.Close()
	r, err := c.NewReceiver(ctx, a.source, ReceiverOptions{Credit: a.credit})
	if err != nil {
		return fmt.Errorf("amqp receiver %s %s: %w", a.conn.uri, a.source, err)
	}
	// Ending the session before the connection makes RabbitMQ apply the
	// settlements just written: closing the connection right after them
	// loses some (measured: a few accepted messages redelivered). It waits
	// at most Options.CloseTimeout for the broker's answer.
	defer func() {
		if err := r.Close(); err != nil {
			c.opts.Logger.Debug("amqp receiver: end of session", "source", a.source, "err", err)
		}
	}()
	log := c.opts.Logger
	// Settlements asked for are written even once the actor stops (they
	// would otherwise be redelivered: duplicates). Accept and Reject return
	// once the disposition is written to the socket (receiver settle mode
	// first: the broker sends no acknowledgement); the broker's answer to
	// the end of the session (deferred above) comes after it handled the
	// frames written before. While running, each write is bounded by the
	// connection's WriteTimeout; on stop, all of them together by
	// CloseTimeout (drainSettles).
	do := func(sctx context.Context, op settleOp) {
		var err error
		if op.reason == nil {
			err = op.d.Accept(sctx)
		} else {
			err = op.d.Reject(sctx, "", op.reason.Error())
		}
		if err != nil {
			// The broker redelivers the message: a duplicate, not a loss.
			log.Debug("amqp receiver: settlement not written", "source", a.source, "err", err)
		}
	}
	gone := func() error {
		return fmt.Errorf("amqp receiver %s %s: %w", a.conn.uri, a.source, cmp.Or(r.Err(), c.Err(), ErrClosed))
	}
	// The settlements are written by a goroutine of their own, so that
	// passing deliveries on never waits behind a disposition's write (a
	// trip through three go-amqp goroutines); it hands back one slot of
	// the window per settlement written. It ends before the session does
	// (deferred after r.Close, so run first).
	freed := make(chan struct{}, a.window) // never fills: one per delivery passed on
	stop, settled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(settled)
		for {
			select {
			case op := <-settles:
				do(context.WithoutCancel(ctx), op)
				freed <- struct{}{}
				continue
			case <-stop:
			case <-ctx.Done():
			}
			if ctx.Err() != nil { // the actor stopped: write what it asked for
				drainSettles(ctx, c.opts.CloseTimeout, settles, do)
			}
			return
		}
	}()
	defer func() {
		close(stop)
		<-settled
	}()
	p.Post(&receiverUp{})
	free := a.window // deliveries the actor may still be handed
	for {
		in := r.Deliveries()
		if free == 0 {
			in = nil // the rest waits in the Receiver, and is redelivered if the link dies
		}
		select {
		case d, ok := <-in:
			batch, ok := a.batch(ctx, c, d, ok, in, free)
			if len(batch) > 0 {
				free -= len(batch)
				p.Post(&received{ds: batch})
			}
			if !ok {
				return gone()
			}
		case <-freed:
			free++
		case <-c.Done():
			return gone()
		case <-ctx.Done():
			return nil
		}
	}
}

// batch gathers, from first on, the deliveries ready on in (at most limit)
// that may be passed downstream, rejecting at once those with no
// queue.Message form. ok is false when the Receiver or the connection is
// gone: a delivery received then is not passed on, since its acceptance
// could never be written (the broker redelivers it; passing it on would
// make a duplicate).
func (a *receiverActor) batch(ctx context.Context, c *Conn, first *Delivery, ok bool, in <-chan *Delivery, limit int) ([]*Delivery, bool) {
	var ds []*Delivery
	for d := first; ; {
		if !ok {
			return ds, false
		}
		select {
		case <-c.Done():
			return ds, false
		default:
		}
		if d.Err != nil {
			c.opts.Logger.Error("amqp receiver: message has no queue form, rejecting it", "source", a.source, "err", d.Err)
			if err := d.Reject(ctx, "amqp:decode-error", d.Err.Error()); err != nil && ctx.Err() == nil {
				return ds, false
			}
		} else {
			ds = append(ds, d)
		}
		if len(ds) == limit {
			return ds, true
		}
		select {
		case d, ok = <-in:
		default:
			return ds, true
		}
	}
}

// drainSettles writes, once the actor has stopped, the settlements it
// asked for before (it settles only from its Receive, which has ended, so
// the channel holds them all), within timeout in total: a broker that no
// longer reads cannot hold the stop longer than that (a frame whose
// deadline passed is not written, and the broker redelivers its message: a
// duplicate, not a loss).
func drainSettles(ctx context.Context, timeout time.Duration, settles <-chan settleOp, do func(context.Context, settleOp)) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	for {
		select {
		case op := <-settles:
			do(dctx, op)
		default:
			return
		}
	}
}
