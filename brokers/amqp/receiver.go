package amqp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/brokers/internal/failover"
	"github.com/bricksmq/bricks/queue"
)

// Receiver defaults, measured on RabbitMQ 3.10 (see ReceiverOptions).
const (
	DefaultCredit       = 1000
	DefaultStallTimeout = 2 * time.Second
)

// ReceiverOptions configure a Receiver; the zero value gets the defaults.
type ReceiverOptions struct {
	// Credit bounds the deliveries received and not yet settled, i.e. the
	// prefetch (default DefaultCredit). go-amqp's automatic credit stalls
	// on RabbitMQ 3.10 with small windows, so credit is managed here: Credit
	// is granted on attach and topped up by TopUp each time TopUp deliveries
	// were settled.
	Credit int
	// TopUp is the credit batch (default Credit/2, at least 1).
	TopUp int
	// StallTimeout is the stall watchdog: when nothing arrived for that long
	// although the broker holds credit, the credit is announced again (one
	// extra credit, taken back from the next top-up), which restarts a link
	// RabbitMQ 3.10 stopped serving (measured: with Credit 10 or 100 such a
	// stall happens within a few thousand messages; one re-announcement
	// resumes it). On an idle queue this costs one flow frame, not one per
	// period: another needs a message received in between. Default
	// DefaultStallTimeout; negative disables.
	StallTimeout time.Duration
	// Settled is at-most-once delivery (STOMP ack:auto): each message is
	// accepted as it is received, before the caller sees it, and Accept and
	// the others are no-ops. (Requesting pre-settled transfers instead is
	// refused by Qpid's example broker.)
	Settled bool
}

func (o ReceiverOptions) withDefaults() ReceiverOptions {
	if o.Credit <= 0 {
		o.Credit = DefaultCredit
	}
	if o.TopUp <= 0 {
		o.TopUp = max(o.Credit/2, 1)
	}
	o.TopUp = min(o.TopUp, o.Credit)
	o.StallTimeout = failover.DefaultIfZero(o.StallTimeout, DefaultStallTimeout)
	return o
}

// Receiver receives messages on one link and hands them out as Deliveries,
// which the caller settles (Accept after the message is safe downstream,
// Release / Reject / Modify on failure) from any goroutine.
//
// A Receiver owns one goroutine, which receives from the link and runs the
// stall watchdog; it ends on Close, Conn.Close or a link failure, and then
// Deliveries is closed and Err says why.
type Receiver struct {
	conn    *Conn
	session *goamqp.Session
	rcv     *goamqp.Receiver
	source  string
	opts    ReceiverOptions

	deliveries chan *Delivery
	closing    chan struct{} // closed when Close starts
	done       chan struct{} // closed when the receive loop has ended
	cancel     context.CancelFunc
	once       sync.Once
	closeErr   error

	mu      sync.Mutex
	err     error // why the loop ended
	settled int   // deliveries settled since the last top-up
	nudged  int   // extra credits granted by the watchdog, not yet taken back
	nudgeAt int64 // recvd at the last nudge (-1: none yet)
	issued  int64 // credit granted since attach
	recvd   int64 // messages received since attach
	stalls  atomic.Int64
}

// Delivery is one received message. Exactly one of Accept, Release, Reject
// or Modify must be called on it (from any goroutine); until then the
// broker keeps the message for us, and redelivers it if the connection dies.
type Delivery struct {
	// Message is the mapped message; nil when Err is set.
	Message *queue.Message
	// Err is an *UnsupportedBodyError for a body with no queue.Message form;
	// such a delivery must still be settled (Reject, usually).
	Err error
	// Raw is the AMQP message as received (annotations, typed properties).
	Raw *goamqp.Message

	r       *Receiver
	settled atomic.Bool
}

// NewReceiver attaches a receiving link to source, e.g. "/amq/queue/x" (an
// existing durable RabbitMQ queue), "/queue/x" (RabbitMQ declares x, non-
// durable) or "x" (Qpid's example broker), and grants it Credit.
func (c *Conn) NewReceiver(ctx context.Context, source string, opts ReceiverOptions) (*Receiver, error) {
	opts = opts.withDefaults()
	sess, err := c.newSession(ctx)
	if err != nil {
		return nil, err
	}
	rcv, err := sess.NewReceiver(ctx, source, &goamqp.ReceiverOptions{Credit: -1}) // manual credit
	if err == nil {
		err = rcv.IssueCredit(uint32(opts.Credit))
	}
	if err != nil {
		_ = c.endSession(sess)
		return nil, fmt.Errorf("broker %s: attach receiver to %q: %w", c.addr, source, err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	r := &Receiver{
		conn: c, session: sess, rcv: rcv, source: source, opts: opts,
		deliveries: make(chan *Delivery, min(opts.Credit, 256)),
		closing:    make(chan struct{}),
		issued:     int64(opts.Credit),
		nudgeAt:    -1,
		done:       make(chan struct{}),
		cancel:     cancel,
	}
	if !c.register(r) {
		cancel()
		_ = c.endSession(sess)
		return nil, ErrClosed
	}
	go r.loop(lctx)
	return r, nil
}

// Source is the link's source address.
func (r *Receiver) Source() string { return r.source }

// Deliveries delivers the received messages; it is closed when the
// Receiver ends (see Err).
func (r *Receiver) Deliveries() <-chan *Delivery { return r.deliveries }

// Done is closed when the Receiver has ended.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// Err returns why the Receiver ended: nil while it runs, ErrClosed after
// Close, otherwise the link or connection failure.
func (r *Receiver) Err() error {
	select {
	case <-r.done:
	default:
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stalls counts the watchdog's interventions (for logs and tests).
func (r *Receiver) Stalls() int64 { return r.stalls.Load() }

func (r *Receiver) loop(ctx context.Context) {
	defer close(r.done)
	defer close(r.deliveries)
	err := r.run(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Err() != nil {
		err = ErrClosed // a message not handed out is redelivered once the session ends
	}
	r.err = err
}

// run receives and hands out messages until ctx ends or the link fails.
func (r *Receiver) run(ctx context.Context) error {
	for {
		m, err := r.next(ctx)
		if err != nil {
			return fmt.Errorf("broker %s source %s: receive: %w", r.conn.addr, r.source, err)
		}
		r.mu.Lock()
		r.recvd++
		r.mu.Unlock()
		d := &Delivery{Raw: m, r: r}
		d.Message, d.Err = FromAMQP(m)
		if r.opts.Settled {
			d.settled.Store(true)
			if err := r.rcv.AcceptMessage(ctx, m); err != nil {
				return fmt.Errorf("broker %s source %s: accept: %w", r.conn.addr, r.source, err)
			}
			r.settledOne()
		}
		select {
		case r.deliveries <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// next returns the next message, running the stall watchdog while waiting.
func (r *Receiver) next(ctx context.Context) (*goamqp.Message, error) {
	if m := r.rcv.Prefetched(); m != nil {
		return m, nil // fast path: no timer per message
	}
	if r.opts.StallTimeout <= 0 {
		return r.rcv.Receive(ctx, nil)
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, r.opts.StallTimeout)
		m, err := r.rcv.Receive(wctx, nil)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return m, err
		}
		r.nudge()
	}
}

// nudge re-announces the link credit after a silence: one more credit makes
// go-amqp send a flow frame (a broker that lost track of our credit learns
// it again; an empty queue just gets one credit more). Extra credits are
// deducted from the next top-ups, so the bound on unsettled deliveries
// exceeds Credit only by the nudges since the last top-up (one per stall).
func (r *Receiver) nudge() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.recvd == r.nudgeAt || r.recvd >= r.issued {
		// No progress since the last nudge (an idle queue), or the broker
		// used all its credit (the silence is ours: deliveries wait for
		// settlement): nothing to re-announce.
		return
	}
	if err := r.rcv.IssueCredit(1); err != nil {
		r.conn.opts.Logger.Warn("amqp stall watchdog: issue credit", "broker", r.conn.addr.String(), "source", r.source, "err", err)
		return
	}
	r.nudged++
	r.nudgeAt = r.recvd
	r.issued++
	r.stalls.Add(1)
	r.conn.opts.Logger.Debug("amqp stall watchdog: credit re-announced", "broker", r.conn.addr.String(), "source", r.source, "silence", r.opts.StallTimeout)
}

// settledOne counts one settled delivery and tops up the credit every
// TopUp of them.
func (r *Receiver) settledOne() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.settled++
	if r.settled < r.opts.TopUp {
		return
	}
	r.settled -= r.opts.TopUp
	take := min(r.nudged, r.opts.TopUp)
	r.nudged -= take
	credit := r.opts.TopUp - take
	if credit <= 0 {
		return
	}
	r.issued += int64(credit)
	if err := r.rcv.IssueCredit(uint32(credit)); err != nil {
		// The link is gone; the receive loop reports why.
		r.conn.opts.Logger.Debug("amqp issue credit", "broker", r.conn.addr.String(), "source", r.source, "err", err)
	}
}

// settle applies one outcome, once.
func (d *Delivery) settle(op string, f func() error) error {
	if d.r.opts.Settled {
		return nil
	}
	select {
	case <-d.r.closing:
		// Even if the broker still listens (an unanswered end of session),
		// the outcome is the same for every message after Close: returned.
		return fmt.Errorf("broker %s source %s: %s: %w", d.r.conn.addr, d.r.source, op, ErrClosed)
	default:
	}
	if d.settled.Swap(true) {
		return ErrSettled
	}
	err := f()
	d.r.settledOne()
	if err != nil {
		return fmt.Errorf("broker %s source %s: %s: %w", d.r.conn.addr, d.r.source, op, err)
	}
	return nil
}

// Accept tells the broker the message is safely handled: it is removed
// from the queue. Call it only after the downstream stage confirmed.
func (d *Delivery) Accept(ctx context.Context) error {
	return d.settle("accept", func() error { return d.r.rcv.AcceptMessage(ctx, d.Raw) })
}

// Release gives the message back unharmed: the broker delivers it again
// (to us or another consumer), without counting a failed delivery.
func (d *Delivery) Release(ctx context.Context) error {
	return d.settle("release", func() error { return d.r.rcv.ReleaseMessage(ctx, d.Raw) })
}

// Reject refuses the message as invalid: the broker discards or
// dead-letters it. condition is an AMQP error condition (e.g.
// "amqp:decode-error"; empty sends no error), description a human text.
func (d *Delivery) Reject(ctx context.Context, condition, description string) error {
	var e *goamqp.Error
	if condition != "" || description != "" {
		if condition == "" {
			condition = string(goamqp.ErrCondInternalError)
		}
		e = &goamqp.Error{Condition: goamqp.ErrCond(condition), Description: description}
	}
	return d.settle("reject", func() error { return d.r.rcv.RejectMessage(ctx, d.Raw, e) })
}

// ModifyOptions are the flags of the modified outcome.
type ModifyOptions struct {
	// DeliveryFailed counts a failed delivery attempt (the broker increments
	// the message's delivery-count).
	DeliveryFailed bool
	// UndeliverableHere asks the broker not to deliver it to this link again.
	UndeliverableHere bool
}

// Modify returns the message with the modified outcome (a Release that
// can count a failed attempt or avoid this consumer).
//
// RabbitMQ 3.x does not know the modified outcome (it detaches the link
// with "Unrecognised state"), so on a RabbitMQ 3 connection Modify is a
// Release and the flags are lost.
func (d *Delivery) Modify(ctx context.Context, o ModifyOptions) error {
	if d.r.conn.noModified {
		return d.Release(ctx)
	}
	return d.settle("modify", func() error {
		return d.r.rcv.ModifyMessage(ctx, d.Raw, &goamqp.ModifyMessageOptions{
			DeliveryFailed: o.DeliveryFailed, UndeliverableHere: o.UndeliverableHere})
	})
}

// Close stops the Receiver: its goroutine ends, Deliveries is closed,
// prefetched messages never handed out are released, and the session is
// ended (bounded by Options.CloseTimeout), so the broker redelivers every
// message not accepted. Settling a Delivery after Close fails. Close is
// idempotent.
//
// An error means the broker did not answer the end of the session in time
// (RabbitMQ 3.10 ignores about one in a hundred or two): messages handed
// out and not settled then stay with the broker's session until the
// connection closes, and come back only then.
func (r *Receiver) Close() error { return r.shutdown(true) }

// shutdown implements link.
func (r *Receiver) shutdown(end bool) error {
	r.once.Do(func() {
		close(r.closing)
		r.cancel()
		<-r.done
		if end {
			r.releasePrefetched()
			r.closeErr = r.conn.endSession(r.session)
		}
		r.conn.unregister(r)
	})
	return r.closeErr
}

// releasePrefetched gives back the messages received but never handed out,
// so that the broker can deliver them elsewhere at once, even if it ignores
// the end of the session (RabbitMQ 3.10 now and then does).
func (r *Receiver) releasePrefetched() {
	ctx, cancel := context.WithTimeout(context.Background(), r.conn.opts.CloseTimeout)
	defer cancel()
	for m := r.rcv.Prefetched(); m != nil; m = r.rcv.Prefetched() {
		if err := r.rcv.ReleaseMessage(ctx, m); err != nil {
			return // the link is gone: the broker takes them back anyway
		}
	}
}
