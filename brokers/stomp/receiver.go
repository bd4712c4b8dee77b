package stomp

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

// Delivery is one message received by a Receiver, with its acknowledgement
// handle. Acknowledge it only once the message is safe downstream.
type Delivery struct {
	// Message is the converted frame (see the mapping in mapping.go).
	Message *queue.Message
	// MessageID is the broker's message-id header.
	MessageID string
	sub       *Subscription
	f         *frame.Frame
}

// Ack acknowledges the message (for AckClient: it and every earlier one).
// When the connection that delivered it has died, it returns an error
// wrapping ErrConnectionLost: the broker redelivers the message.
func (d *Delivery) Ack() error { return d.sub.Ack(d.f) }

// Nack refuses the message (STOMP NACK): the broker redelivers it or
// dead-letters it, per its own configuration.
func (d *Delivery) Nack() error { return d.sub.Nack(d.f) }

// settleBuffered is Ack (Nack when nack) left in the connection's write
// buffer: the caller flushes the Conn it returns once its burst of
// acknowledgements is written.
func (d *Delivery) settleBuffered(nack bool) (*Conn, error) {
	cmd := frame.ACK
	if nack {
		cmd = frame.NACK
	}
	return d.sub.conn, d.sub.ackFrame(cmd, d.f, false)
}

// Frame returns the MESSAGE frame as received, delivery headers included.
func (d *Delivery) Frame() *frame.Frame { return d.f }

// Receiver consumes one subscription over a reconnecting connection.
//
// It owns one goroutine that watches the connection (the Conn's reader
// goroutine converts MESSAGE frames and hands them to Deliveries, whose
// buffer is the prefetch); when the connection dies it reconnects (failover, backoff)
// and subscribes again; the broker redelivers what was not acknowledged.
// A SUBSCRIBE the broker does not confirm within Options.SubscribeTimeout
// (no RECEIPT, no MESSAGE) counts as a lost connection too. MESSAGE frames
// arriving before the RECEIPT are delivered as usual: the first one ends
// the wait for it.
// Everything ends on Close, or after a permanent failure, reconnection
// attempts exhausted or a login refused (*LoginError, at once: see
// LoginError for why it is not retried); Deliveries is then closed and Err
// says why.
type Receiver struct {
	uri  *URI
	opts Options
	sub  SubscribeOptions
	log  *slog.Logger

	out    chan *Delivery
	useful atomic.Bool // a message arrived on the current connection
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// NewReceiver connects and subscribes (errors of this first attempt are
// returned here, a *LoginError at once when a broker refused the login),
// then starts delivering.
func NewReceiver(ctx context.Context, u *URI, opts Options, sub SubscribeOptions) (*Receiver, error) {
	opts = opts.withDefaults()
	sub, err := sub.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Receiver{uri: u, opts: opts, sub: sub, log: opts.Logger.With("uri", u.String(), "destination", sub.Destination),
		out: make(chan *Delivery, max(sub.Prefetch, 1)), done: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	c, err := r.connect(ctx, &backoff{})
	if err != nil {
		r.cancel()
		return nil, err
	}
	go r.run(c)
	return r, nil
}

// Deliveries delivers the received messages; it is closed when the
// Receiver stops, after Done (so Err tells why once it is closed).
func (r *Receiver) Deliveries() <-chan *Delivery { return r.out }

// Done is closed when the Receiver has stopped.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// Err returns why the Receiver stopped (nil while running or after Close).
func (r *Receiver) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// connect dials (with backoff b; a refused login ends it with a
// *LoginError) and subscribes.
func (r *Receiver) connect(ctx context.Context, b *backoff) (*Conn, error) {
	for {
		c, err := redial(ctx, r.uri, r.opts, b)
		if err != nil {
			return nil, err
		}
		_, err = c.subscribe(ctx, r.sub, r.deliver)
		if err == nil {
			return c, nil
		}
		c.Close() // at once if the subscribe timed out: that failed c
		r.log.Warn("stomp subscribe failed", "err", err)
		if !b.retry(r.uri) {
			return nil, err
		}
	}
}

// deliver hands a MESSAGE frame over to Deliveries; it runs in the
// connection's reader goroutine (one goroutine hop less per message).
func (r *Receiver) deliver(s *Subscription, f *frame.Frame) {
	if r.ctx.Err() != nil {
		return // closing: the broker redelivers what it sent meanwhile
	}
	r.useful.Store(true)
	d := &Delivery{Message: FrameToMessage(f), MessageID: f.Header.Get(frame.MessageId), sub: s, f: f}
	select {
	case r.out <- d:
	case <-s.conn.done:
	case <-r.ctx.Done():
	}
}

func (r *Receiver) run(c *Conn) {
	var b backoff
	defer func() {
		// done first: whoever sees Deliveries closed then reads Err.
		close(r.done)
		close(r.out)
	}()
	for {
		useful := r.serve(c)
		cerr := c.Err()
		c.Close()
		if r.ctx.Err() != nil {
			return
		}
		if useful {
			b.reset()
		} else if !b.retry(r.uri) {
			r.err = cerr
			return
		}
		r.log.Warn("stomp receiver lost its connection, reconnecting", "err", cerr)
		var err error
		if c, err = r.connect(r.ctx, &b); err != nil {
			if r.ctx.Err() == nil {
				r.err = err
			}
			return
		}
	}
}

// serve waits until the connection dies or the Receiver stops (messages
// are handed over by deliver); it reports whether any message arrived.
func (r *Receiver) serve(c *Conn) (useful bool) {
	select {
	case <-c.Done():
	case <-r.ctx.Done():
	}
	return r.useful.Swap(false)
}

// Close disconnects (the broker requeues unacknowledged messages) and stops
// the goroutines. Acks of deliveries already handed out fail afterwards.
func (r *Receiver) Close() error {
	r.cancel()
	<-r.done
	return nil
}
