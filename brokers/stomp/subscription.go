package stomp

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/go-stomp/stomp/v3/frame"
)

// AckMode is the SUBSCRIBE "ack" header.
type AckMode string

// The STOMP acknowledgement modes.
const (
	// AckAuto: the broker forgets a message once sent (at-most-once).
	AckAuto AckMode = "auto"
	// AckClient: an ACK acknowledges the message and all earlier ones of
	// the subscription (cumulative).
	AckClient AckMode = "client"
	// AckClientIndividual: each ACK/NACK concerns one message (the default).
	AckClientIndividual AckMode = "client-individual"
)

// DefaultPrefetch is the prefetch given to client-ack subscriptions that set
// none: without it RabbitMQ pushes the whole queue to the subscriber.
const DefaultPrefetch = 100

// SubscribeOptions describe one subscription (stompclt --subscribe).
type SubscribeOptions struct {
	// Destination to consume from, e.g. "/queue/x". Required.
	Destination string
	// Ack is the acknowledgement mode (default client-individual).
	Ack AckMode
	// Prefetch bounds unacknowledged messages in flight, sent as both
	// "activemq.prefetchSize" (ActiveMQ) and "prefetch-count" (RabbitMQ);
	// each broker ignores the other's header. 0 means DefaultPrefetch for
	// client acks and nothing for auto; negative sends no header.
	Prefetch int
	// Selector is a JMS selector (ActiveMQ "selector" header).
	Selector string
	// Headers are extra SUBSCRIBE headers; they override the computed ones
	// except "ack" and "id".
	Headers map[string]string
	// ID is the subscription id (default "bricks-sub-1").
	ID string
}

func (o SubscribeOptions) withDefaults() (SubscribeOptions, error) {
	if o.Destination == "" {
		return o, fmt.Errorf("subscribe: missing destination")
	}
	switch o.Ack {
	case "":
		o.Ack = AckClientIndividual
	case AckAuto, AckClient, AckClientIndividual:
	default:
		return o, fmt.Errorf("subscribe %s: unknown ack mode %q (want auto, client or client-individual)", o.Destination, o.Ack)
	}
	if o.Prefetch == 0 && o.Ack != AckAuto {
		o.Prefetch = DefaultPrefetch
	}
	if o.ID == "" {
		o.ID = "bricks-sub-1"
	}
	return o, nil
}

func (o SubscribeOptions) frame() *frame.Frame {
	f := frame.New(frame.SUBSCRIBE, frame.Id, o.ID, frame.Destination, o.Destination, frame.Ack, string(o.Ack))
	if o.Prefetch > 0 {
		n := strconv.Itoa(o.Prefetch)
		f.Header.Add("activemq.prefetchSize", n)
		f.Header.Add("prefetch-count", n)
	}
	if o.Selector != "" {
		f.Header.Add("selector", o.Selector)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Headers)) {
		if k != frame.Ack && k != frame.Id && k != frame.Destination {
			f.Header.Set(k, o.Headers[k])
		}
	}
	return f
}

// Subscription is an active subscription on one Conn.
type Subscription struct {
	conn *Conn
	opts SubscribeOptions
	c    chan *frame.Frame
	// handle, when set, gets the MESSAGE frames in the reader goroutine
	// instead of c (the Receiver's shortcut); it must return once the
	// connection is done.
	handle func(*frame.Frame)
	// active is closed by the reader on the first MESSAGE (seen, which
	// only the reader touches): proof enough that the SUBSCRIBE was taken.
	active chan struct{}
	seen   bool
}

// C delivers the MESSAGE frames of the subscription. It is never closed:
// select on the connection's Done as well.
func (s *Subscription) C() <-chan *frame.Frame { return s.c }

// Options returns the subscription's options, defaults applied.
func (s *Subscription) Options() SubscribeOptions { return s.opts }

// Subscribe sends SUBSCRIBE with a receipt and waits for it, so a refused
// subscription is an error here rather than later. A first MESSAGE of the
// subscription ends the wait as well: brokers may send MESSAGEs before the
// RECEIPT, and C holds only so many. The wait ends with an error when ctx
// ends, or after Options.SubscribeTimeout: a broker that does not answer
// in time is taken for dead, and the connection fails.
func (c *Conn) Subscribe(ctx context.Context, opts SubscribeOptions) (*Subscription, error) {
	return c.subscribe(ctx, opts, nil)
}

// subscribe is Subscribe with an optional frame handler replacing C.
func (c *Conn) subscribe(ctx context.Context, opts SubscribeOptions, handle func(*Subscription, *frame.Frame)) (*Subscription, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Subscription{conn: c, opts: opts, active: make(chan struct{})}
	if handle != nil {
		s.handle = func(f *frame.Frame) { handle(s, f) }
	} else {
		s.c = make(chan *frame.Frame, max(opts.Prefetch, 16))
	}
	c.mu.Lock()
	if _, dup := c.subs[opts.ID]; dup {
		c.mu.Unlock()
		return nil, fmt.Errorf("subscribe %s: subscription id %q already used", opts.Destination, opts.ID)
	}
	c.subs[opts.ID] = s
	c.mu.Unlock()
	var timeout error
	if d := c.opts.SubscribeTimeout; d > 0 {
		timeout = fmt.Errorf("no answer within the subscribe timeout (%s)", d)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, timeout)
		defer cancel()
	}
	if err := c.request(ctx, opts.frame(), s.active); err != nil {
		c.mu.Lock()
		delete(c.subs, opts.ID)
		c.mu.Unlock()
		err = fmt.Errorf("broker %s: subscribe %s: %w", c.addr, opts.Destination, err)
		if timeout != nil && context.Cause(ctx) == timeout {
			c.fail(err)
		}
		return nil, err
	}
	return s, nil
}

// Ack acknowledges a MESSAGE frame of this subscription. It carries
// message-id and subscription (STOMP 1.1) and, when the MESSAGE had an
// "ack" header, id (STOMP 1.2), as stompclt does, so any broker finds it.
// With AckAuto it does nothing.
func (s *Subscription) Ack(f *frame.Frame) error { return s.ackFrame(frame.ACK, f, true) }

// Nack refuses a MESSAGE frame: the broker redelivers it or moves it to its
// dead-letter queue, per its configuration. With AckAuto it does nothing.
func (s *Subscription) Nack(f *frame.Frame) error { return s.ackFrame(frame.NACK, f, true) }

// ackFrame writes an ACK or NACK (cmd) for f, flushed unless flush is
// false: then it waits in the connection's buffer for its flush.
func (s *Subscription) ackFrame(cmd string, f *frame.Frame, flush bool) error {
	if s.opts.Ack == AckAuto {
		return nil
	}
	a := frame.New(cmd, frame.MessageId, f.Header.Get(frame.MessageId), frame.Subscription, s.opts.ID)
	if id, ok := f.Header.Contains(frame.Ack); ok {
		a.Header.Add(frame.Id, id)
	}
	write := s.conn.write
	if !flush {
		write = s.conn.buffer
	}
	if err := write(a); err != nil {
		return fmt.Errorf("%s %s: %w", cmd, f.Header.Get(frame.MessageId), err)
	}
	return nil
}
