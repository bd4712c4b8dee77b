package amqp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/queue"
)

// DefaultWindow is the number of unsettled deliveries a Sender keeps in
// flight when SenderOptions.Window is 0.
const DefaultWindow = 100

// SenderOptions configure a Sender; the zero value gets the defaults.
type SenderOptions struct {
	// Window bounds the deliveries sent and not yet settled by the broker
	// (default DefaultWindow): Send blocks while Window dispositions are
	// pending.
	Window int
	// Settled sends messages pre-settled (at-most-once, stompclt's
	// non-reliable mode): a message is confirmed once written to the socket.
	Settled bool
	// Durable marks every message durable (AMQP header durable=true), as a
	// "durable" or "persistent" header does for one message; RabbitMQ keeps
	// only durable messages across restarts.
	Durable bool
}

// Confirmation is the outcome of one message given to Sender.Send.
type Confirmation struct {
	// ID is the caller's id passed to Send.
	ID string
	// Err is nil when the broker accepted the message (or, for a Settled
	// sender, when it was written). Otherwise it is a *DispositionError
	// (rejected, released, modified) or the error that ended the link or
	// connection: the message is then in doubt and must be sent again
	// (duplicates are possible, loss is not).
	Err error
}

// Sender sends messages on one link, keeping up to Window of them unsettled
// (pipelining): Send returns once the message is written, and the broker's
// disposition arrives later on Confirmations, with the caller's id, in send
// order.
//
// A Sender owns one goroutine, which waits for dispositions; it ends on
// Close (or Conn.Close).
type Sender struct {
	conn    *Conn
	session *goamqp.Session
	snd     *goamqp.Sender
	target  string
	opts    SenderOptions

	mu       sync.Mutex         // orders the writes with the pending queue
	tokens   chan struct{}      // window semaphore: one token per unsettled message
	pending  chan pending       // written messages awaiting their disposition
	confirms chan Confirmation  // to the caller
	quit     chan struct{}      // closed by Close
	done     chan struct{}      // closed when the waiter has ended
	cancel   context.CancelFunc // cancels the waiter's Wait
	once     sync.Once
	closeErr error
	unread   atomic.Int64 // written by Send, their Confirmation not yet on confirms
}

type pending struct {
	id      string
	receipt *goamqp.SendReceipt // nil for a pre-settled message
}

// NewSender attaches a sending link to target, e.g. "/amq/queue/x" (an
// existing RabbitMQ queue), "/queue/x" (RabbitMQ: default exchange, routing
// key x) or "x" (Qpid's example broker).
func (c *Conn) NewSender(ctx context.Context, target string, opts SenderOptions) (*Sender, error) {
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	sess, err := c.newSession(ctx)
	if err != nil {
		return nil, err
	}
	// The settle mode stays at its default (mixed): Qpid's example broker
	// refuses "unsettled", and unsettled transfers on a mixed link still
	// wait for the broker's disposition.
	snd, err := sess.NewSender(ctx, target, nil)
	if err != nil {
		_ = c.endSession(sess)
		return nil, fmt.Errorf("broker %s: attach sender to %q: %w", c.addr, target, err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	s := &Sender{
		conn: c, session: sess, snd: snd, target: target, opts: opts,
		tokens:   make(chan struct{}, opts.Window),
		pending:  make(chan pending, opts.Window),
		confirms: make(chan Confirmation, opts.Window),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		cancel:   cancel,
	}
	if !c.register(s) {
		cancel()
		_ = c.endSession(sess)
		return nil, ErrClosed
	}
	go s.wait(wctx)
	return s, nil
}

// Target is the link's target address.
func (s *Sender) Target() string { return s.target }

// Window is the maximum number of messages awaiting their disposition.
func (s *Sender) Window() int { return s.opts.Window }

// Confirmations delivers one Confirmation per message Send accepted, in
// send order. It is buffered to Window and closed after Close. A caller
// that stops reading it stalls Send: about 2×Window messages can be sent
// and not yet read back here (Window confirmations in the buffer, Window
// awaiting their disposition), so a caller that sends and reads
// confirmations in one goroutine must keep at most 2×Window outstanding
// (the pipeline window does).
func (s *Sender) Confirmations() <-chan Confirmation { return s.confirms }

// Send maps m to AMQP (see the package doc) and writes it unsettled,
// waiting first while Window messages await their disposition. When Send returns
// nil, exactly one Confirmation with id will follow (unless the Sender is
// closed first). An error means no Confirmation will come: the message
// could not be mapped, the link or connection is gone, or ctx ended (the
// message may then have reached the broker: send it again).
//
// Send is safe for concurrent use.
func (s *Sender) Send(ctx context.Context, id string, m *queue.Message) error {
	select {
	case <-s.quit:
		return ErrClosed
	default:
	}
	am, err := ToAMQP(m)
	if err != nil {
		return fmt.Errorf("broker %s target %s: message %s: %w", s.conn.addr, s.target, id, err)
	}
	if s.opts.Durable {
		if am.Header == nil {
			am.Header = &goamqp.MessageHeader{Priority: 4}
		}
		am.Header.Durable = true
	}
	select {
	case s.tokens <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-s.quit:
		return ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := pending{id: id}
	if s.opts.Settled {
		err = s.snd.Send(ctx, am, &goamqp.SendOptions{Settled: true})
	} else {
		var r goamqp.SendReceipt
		r, err = s.snd.SendWithReceipt(ctx, am, nil)
		p.receipt = &r
	}
	if err != nil {
		<-s.tokens
		return s.linkError("send", err)
	}
	s.unread.Add(1)
	s.pending <- p // never blocks: tokens bound the pending messages
	return nil
}

// wait turns dispositions into Confirmations, oldest first.
func (s *Sender) wait(ctx context.Context) {
	defer close(s.done)
	defer close(s.confirms)
	for {
		var p pending
		select {
		case p = <-s.pending:
		case <-s.quit:
			return
		}
		c := Confirmation{ID: p.id}
		if p.receipt != nil {
			st, err := p.receipt.Wait(ctx)
			// Once the link has ended, go-amqp's Wait picks at random
			// between a disposition that did arrive and the link's end:
			// ask again (each answer is immediate then), so that a message
			// the broker settled is not taken for one in doubt and sent
			// again (a duplicate).
			for try := 0; err != nil && ctx.Err() == nil && try < waitRetries; try++ {
				st, err = p.receipt.Wait(ctx)
			}
			if err != nil {
				if ctx.Err() != nil {
					return // closing: the message stays in doubt
				}
				c.Err = s.linkError("wait for disposition", err)
			} else {
				// A settled disposition without an outcome takes the
				// link's default outcome, accepted.
				c.Err = outcomeError(s.conn.addr, s.target, st)
			}
		}
		// The delivery is settled: free its window slot before handing
		// the confirmation over, so that a blocked Send resumes at once
		// (with window 1 this saves a goroutine switch per message).
		<-s.tokens
		select {
		case s.confirms <- c:
			s.unread.Add(-1)
		case <-s.quit:
			return
		}
	}
}

// waitRetries bounds the extra Waits on a receipt whose link has ended:
// a disposition that arrived is missed by all of them with probability
// 2^-waitRetries.
const waitRetries = 10

// unreadCount is the number of messages Send wrote whose Confirmation cannot be
// read from Confirmations yet (still awaiting their disposition, or being
// handed over). When it is 0, every Confirmation still to come is already
// buffered in Confirmations: a caller whose link failed reads them without
// waiting for one that will never come.
func (s *Sender) unreadCount() int { return int(s.unread.Load()) }

// linkError wraps a go-amqp error with the broker and target.
func (s *Sender) linkError(op string, err error) error {
	select {
	case <-s.quit:
		return ErrClosed
	default:
	}
	return fmt.Errorf("broker %s target %s: %s: %w", s.conn.addr, s.target, op, err)
}

// Close stops the Sender: its goroutine ends, Confirmations is closed and
// the session is ended (bounded by Options.CloseTimeout). Messages not yet
// confirmed are in doubt. Close is idempotent. An error means the broker
// did not answer the end of the session in time (RabbitMQ 3.10 now and
// then ignores it); nothing is lost, the session lingers on the broker
// until the connection closes.
func (s *Sender) Close() error { return s.shutdown(true) }

// shutdown implements link.
func (s *Sender) shutdown(end bool) error {
	s.once.Do(func() {
		close(s.quit)
		s.cancel()
		<-s.done
		if end {
			s.closeErr = s.conn.endSession(s.session)
		}
		s.conn.unregister(s)
	})
	return s.closeErr
}
