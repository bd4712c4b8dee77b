package stomp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

// DefaultWindow is the number of unconfirmed messages a Sender allows when
// SenderOptions.Window is 0 (about 6x the throughput of stop-and-wait on
// RabbitMQ).
const DefaultWindow = 100

// SenderOptions tune a Sender.
type SenderOptions struct {
	// Window is the maximum number of messages sent and not yet confirmed
	// by a RECEIPT (default DefaultWindow; 1 = stop-and-wait).
	Window int
	// NonPersistent stops adding "persistent:true" to messages that do not
	// set the header.
	NonPersistent bool
}

// Result is the outcome of one message given to Sender.Send.
type Result struct {
	// ID is the caller's id given to Send.
	ID string
	// Err is nil when the broker confirmed the message (RECEIPT). Otherwise
	// the broker refused this very message and it will not be resent: a
	// permanent failure for the caller to reject (move aside).
	//
	// "This very message": after a broker ERROR (which also closes the
	// connection) the Sender reconnects and sends the pending messages one
	// at a time (probing) until it knows which one was refused — the one
	// the ERROR names by its receipt, or else the one in flight alone when
	// the ERROR came. That message is refused alone only when the broker
	// then accepts the next, different message. If the broker refuses
	// that one too, or the ERROR refuses access (a permission: RabbitMQ
	// access_refused, ActiveMQ "not authorized"), or the refused message
	// was the last one pending and the ERROR says its destination does
	// not exist (RabbitMQ not_found), the destination is refused, not the
	// message: no Result is given, the messages stay pending and the
	// Sender stops with a *DestinationError.
	Err error
}

// Sender sends messages with receipts over a reconnecting connection, with
// up to Window messages in flight (pipelining: frames are written without
// waiting for earlier receipts).
//
// Every message given to Send gets exactly one Result, once its RECEIPT
// arrives: only then is it safe upstream. When the connection dies, the
// Sender reconnects (failover list, backoff) and resends every unconfirmed
// message in the original order, so delivery is at-least-once: a message
// whose RECEIPT was lost with the connection reaches the broker twice. A
// message left without its RECEIPT for Options.ReceiptTimeout counts as a
// lost connection too (*ReceiptTimeoutError).
//
// The Sender owns one goroutine that watches the connection and reconnects
// (receipts are handled directly by the Conn's reader goroutine, one hop
// less per message, which matters at window 1); all end on Close, or
// after a permanent failure, after which Done is closed and Err says why:
// reconnection attempts exhausted, a login refused (*LoginError, not
// retried), or a destination the broker refuses (*DestinationError;
// see Result.Err). Results must be drained concurrently with Send: Send
// blocks while Window messages are unconfirmed.
type Sender struct {
	uri  *URI
	opts Options
	so   SenderOptions
	log  *slog.Logger

	slots   chan struct{}
	results chan Result

	wmu     sync.Mutex // serialises Send's writes and the resend after reconnect
	conn    *Conn      // current connection, nil while reconnecting; guarded by wmu
	stopped bool       // run has ended; guarded by wmu

	pmu     sync.Mutex
	pending map[string]*outgoing // by receipt
	seq     uint64
	// probeID is the receipt probe waits for; finish closes probeDone.
	probeID   string
	probeDone chan struct{}

	// suspect is a message the broker refused while probing, not judged
	// yet: rejected once the broker accepts another message, its
	// destination refused if it refuses another one too. Only the run
	// goroutine uses it.
	suspect *refusal

	useful atomic.Bool // a receipt arrived on the current connection

	ctx    context.Context // the run goroutine's lifetime
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	closed chan struct{} // closed by Close: Send refuses new messages
	once   sync.Once
}

type outgoing struct {
	id      string
	receipt string
	dest    string
	seq     uint64
	f       *frame.Frame
	// sent is when Send took the message (guarded by pmu): its receipt is
	// overdue ReceiptTimeout after this, or after the connection it was
	// resent on became current.
	sent time.Time
}

// refusal is a message the broker refused with err.
type refusal struct {
	o   *outgoing
	err *BrokerError
}

// NewSender connects (see Dial; the first connection's failure is returned
// here, a *LoginError at once when a broker refused the login) and starts
// the Sender.
func NewSender(ctx context.Context, u *URI, opts Options, so SenderOptions) (*Sender, error) {
	opts = opts.withDefaults()
	if so.Window <= 0 {
		so.Window = DefaultWindow
	}
	s := &Sender{
		uri: u, so: so, log: opts.Logger.With("uri", u.String()),
		slots:   make(chan struct{}, so.Window),
		results: make(chan Result, so.Window),
		pending: map[string]*outgoing{},
		done:    make(chan struct{}),
		closed:  make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	// Receipts are handled in the connection's reader goroutine.
	opts.onReceipt = s.receipt
	s.opts = opts
	if err := opts.validate(); err != nil {
		s.cancel()
		return nil, err
	}
	c, err := redial(ctx, s.uri, s.opts, &backoff{})
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.conn = c
	go s.run(c)
	return s, nil
}

// Results delivers one Result per message given to Send. It is closed when
// the Sender has stopped.
func (s *Sender) Results() <-chan Result { return s.results }

// Done is closed when the Sender has stopped (Close or permanent failure).
func (s *Sender) Done() <-chan struct{} { return s.done }

// Err returns why the Sender stopped: nil while running or after a clean
// Close, else the last connection error.
func (s *Sender) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Pending returns the number of messages sent and not yet confirmed.
func (s *Sender) Pending() int {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return len(s.pending)
}

// Send queues m for dest (m's "destination" header when dest is empty)
// under the caller's id, which its Result will carry, and writes it out
// with whatever Buffer left. It blocks while the window is full, until ctx
// ends. A nil error means the Sender owns the message until its Result; an
// error means it was not taken (bad message, Sender closed, ctx ended).
func (s *Sender) Send(ctx context.Context, id, dest string, m *queue.Message) error {
	if err := s.Buffer(ctx, id, dest, m); err != nil {
		return err
	}
	s.Flush()
	return nil
}

// Buffer is Send without the write: the frame waits in the connection's
// buffer until Flush or the next Send (or a full buffer) writes it, so a
// burst of messages leaves in a few writes. Call Flush once the burst is
// buffered: until then the broker has not seen it. (Buffer flushes by
// itself before it waits for room in a full window.)
func (s *Sender) Buffer(ctx context.Context, id, dest string, m *queue.Message) error {
	f, err := MessageToFrame(dest, m, !s.so.NonPersistent)
	if err != nil {
		return err
	}
	select {
	case <-s.closed:
		return ErrClosed
	case <-s.done:
		return s.stoppedErr()
	default:
	}
	select {
	case s.slots <- struct{}{}:
	default:
		// The window is full: only receipts for what is buffered can
		// free it.
		s.Flush()
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-s.closed:
			return ErrClosed
		case <-s.done:
			return s.stoppedErr()
		}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.stopped {
		<-s.slots
		return s.stoppedErr()
	}
	s.pmu.Lock()
	s.seq++
	receipt := "bricks-" + strconv.FormatUint(s.seq, 10)
	o := &outgoing{id: id, receipt: receipt, dest: f.Header.Get(frame.Destination), seq: s.seq, f: f, sent: time.Now()}
	f.Header.Set(frame.Receipt, receipt)
	s.pending[receipt] = o
	s.pmu.Unlock()
	if s.conn != nil {
		// A write error means the connection died: run notices, reconnects
		// and resends this message with the other pending ones.
		_ = s.conn.buffer(f)
	}
	return nil
}

// Flush writes out what Buffer left in the connection's buffer. A write
// error means the connection died: the Sender reconnects and resends.
func (s *Sender) Flush() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.conn != nil {
		_ = s.conn.flush()
	}
}

func (s *Sender) stoppedErr() error {
	if s.err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, s.err)
	}
	return ErrClosed
}

// run watches the connection and handles reconnection until the Sender stops.
func (s *Sender) run(c *Conn) {
	var b backoff
	defer func() {
		s.wmu.Lock()
		s.conn = nil
		s.stopped = true
		s.wmu.Unlock()
		close(s.results)
		close(s.done)
	}()
	for {
		useful := s.serve(c)
		if s.ctx.Err() != nil {
			c.Close()
			return
		}
		s.wmu.Lock()
		s.conn = nil
		s.wmu.Unlock()
		c.Close()
		cerr := c.Err()
		probe, err := s.refused(cerr, nil)
		if err != nil {
			s.err = err
			return
		}
		if useful {
			b.reset()
		} else if !b.retry(s.uri) {
			s.err = cerr
			return
		}
		s.log.Warn("stomp sender lost its connection, reconnecting", "err", cerr, "pending", s.Pending())
		if c, err = s.reconnect(&b, probe); err != nil {
			if s.ctx.Err() == nil {
				s.err = err
			}
			return
		}
	}
}

// refused handles the error that ended a connection. A broker ERROR is a
// refusal: it reports true (what follows must probe), and, when it is
// known which message was refused (the ERROR names its receipt, or probed
// was in flight alone), judges it: an access refusal or a second refused
// message condemns the destination (the returned *DestinationError stops
// the Sender), anything else makes the message the suspect.
func (s *Sender) refused(err error, probed *outgoing) (bool, error) {
	var be *BrokerError
	if !errors.As(err, &be) {
		return false, nil
	}
	o := s.pendingByReceipt(be.ReceiptID)
	if o == nil {
		o = probed
	}
	switch {
	case o == nil: // the probe will tell which message it was
	case refusesAccess(be):
		return true, s.destinationRefused(o, be)
	case s.suspect != nil && s.suspect.o != o:
		return true, s.destinationRefused(o, be)
	default:
		s.log.Warn("stomp sender: broker refused a message, probing the next one", "id", o.id, "destination", o.dest, "err", be)
		s.suspect = &refusal{o: o, err: be}
	}
	return true, nil
}

// destinationRefused returns the *DestinationError for the refusal of o
// (and of the suspect, if any): every message stays pending.
func (s *Sender) destinationRefused(o *outgoing, be *BrokerError) error {
	dests := []string{o.dest}
	if r := s.suspect; r != nil && r.o.dest != o.dest {
		dests = []string{r.o.dest, o.dest}
	}
	s.suspect = nil
	err := &DestinationError{Destinations: dests, Kept: s.Pending(), Err: be}
	s.log.Warn("stomp sender: the broker refuses the destination; stopping with every message kept", "err", err)
	return err
}

// pendingByReceipt returns the pending message sent with receipt, or nil.
func (s *Sender) pendingByReceipt(receipt string) *outgoing {
	if receipt == "" {
		return nil
	}
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return s.pending[receipt]
}

// reconnect dials until a connection takes the pending messages. After a
// broker ERROR it first probes (see probe).
func (s *Sender) reconnect(b *backoff, probe bool) (*Conn, error) {
	for {
		c, err := redial(s.ctx, s.uri, s.opts, b)
		if err != nil {
			return nil, err
		}
		if probe {
			done, err := s.probe(c, b)
			if err != nil {
				return nil, err
			}
			if !done {
				if s.ctx.Err() != nil {
					return nil, context.Cause(s.ctx)
				}
				if !b.retry(s.uri) {
					return nil, c.Err()
				}
				continue
			}
			probe = false
		}
		if s.resend(c) {
			return c, nil
		}
		c.Close()
		if !b.retry(s.uri) {
			return nil, c.Err()
		}
	}
}

// probe sends the pending messages one at a time (stop-and-wait) on c,
// oldest first, except the suspect; messages Sent meanwhile only while the
// suspect waits for another message to judge it (a steady stream of new
// messages would otherwise keep the Sender at stop-and-wait). It
// returns true once none of them is left unconfirmed, false if c died (c
// is then closed), and the *DestinationError that stops the Sender, if
// the broker refuses the destination (see refused). The suspect is
// rejected as soon as the broker confirms another message; left alone, it
// is rejected too, unless the ERROR says its destination does not exist.
func (s *Sender) probe(c *Conn, b *backoff) (bool, error) {
	s.log.Info("stomp sender probing pending messages one at a time after a broker error", "pending", s.Pending())
	s.pmu.Lock()
	last := s.seq
	s.pmu.Unlock()
	for {
		done := make(chan struct{})
		o := s.nextProbe(done, last)
		if o == nil {
			break
		}
		c.write(o.f) // a failure closes c.Done
		expired, stop := receiptTimer(s.opts.ReceiptTimeout)
		select {
		case <-done:
			stop()
			b.reset()
			if r := s.suspect; r != nil {
				s.suspect = nil
				s.log.Warn("stomp sender: broker refused a message and accepted the next one: rejecting it",
					"id", r.o.id, "destination", r.o.dest, "err", r.err)
				s.finish(r.o.receipt, r.err)
			}
			continue
		case <-c.Done():
		case <-s.ctx.Done():
		case <-expired:
			c.fail(s.overdueError(c, o))
		}
		stop()
		s.pmu.Lock()
		s.probeID, s.probeDone = "", nil
		s.pmu.Unlock()
		c.Close()
		_, err := s.refused(c.Err(), o)
		return false, err
	}
	if r := s.suspect; r != nil {
		if refusesDestination(r.err) {
			c.Close()
			return false, s.destinationRefused(r.o, r.err)
		}
		s.suspect = nil
		s.log.Warn("stomp sender: broker refused a message", "id", r.o.id, "destination", r.o.dest, "err", r.err)
		s.finish(r.o.receipt, r.err)
	}
	return true, nil
}

// nextProbe returns the oldest pending message other than the suspect,
// sent up to the sequence number last unless a suspect waits, and makes
// it the one whose receipt closes done; nil when there is none.
func (s *Sender) nextProbe(done chan struct{}, last uint64) *outgoing {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	var next *outgoing
	for _, o := range s.pending {
		if s.suspect != nil && o == s.suspect.o || s.suspect == nil && o.seq > last {
			continue
		}
		if next == nil || o.seq < next.seq {
			next = o
		}
	}
	if next != nil {
		s.probeID, s.probeDone = next.receipt, done
	}
	return next
}

// serve waits until c dies or the Sender stops (receipts are handled by
// receipt, in c's reader goroutine); it reports whether any receipt
// arrived. It fails c with a *ReceiptTimeoutError when the oldest message
// waits for its RECEIPT longer than Options.ReceiptTimeout, counted from
// when it was sent or resent on c: a broker that swallows receipts (and
// may well keep beating) would otherwise fill the window for ever, and
// Send block until its context ends. run then reconnects and resends.
func (s *Sender) serve(c *Conn) (useful bool) {
	since := time.Now()
	expired, stop := receiptTimer(s.opts.ReceiptTimeout)
	defer func() { stop() }()
	for {
		select {
		case <-c.Done():
			return s.useful.Swap(false)
		case <-s.ctx.Done():
			return s.useful.Swap(false)
		case <-expired:
			wait, o := s.oldestWait(since)
			if o != nil && wait <= 0 {
				c.fail(s.overdueError(c, o))
				continue // c.Done is closed
			}
			expired, stop = receiptTimer(wait)
		}
	}
}

// oldestWait returns the oldest pending message, if any, and how long
// until its receipt is overdue, counting from since at the earliest;
// ReceiptTimeout when nothing is pending.
func (s *Sender) oldestWait(since time.Time) (time.Duration, *outgoing) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	var oldest *outgoing
	for _, o := range s.pending {
		if oldest == nil || o.seq < oldest.seq {
			oldest = o
		}
	}
	if oldest == nil {
		return s.opts.ReceiptTimeout, nil
	}
	return s.opts.ReceiptTimeout - time.Since(maxTime(oldest.sent, since)), oldest
}

// maxTime returns the later of a and b.
func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// overdueError is the failure of c, on which o waited too long for its
// RECEIPT.
func (s *Sender) overdueError(c *Conn, o *outgoing) error {
	err := &ReceiptTimeoutError{Addr: c.Addr(), Destination: o.dest, Timeout: s.opts.ReceiptTimeout, Unconfirmed: s.Pending()}
	s.log.Warn("stomp sender: the broker does not confirm messages; dropping the connection to resend them", "err", err)
	return err
}

// receiptTimer returns a channel that receives once d has passed (never
// when d <= 0: the bound is disabled) and the function stopping it.
func receiptTimer(d time.Duration) (<-chan time.Time, func()) {
	if d <= 0 {
		return nil, func() {}
	}
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// receipt handles a RECEIPT for a SEND.
func (s *Sender) receipt(id string) {
	s.useful.Store(true)
	s.finish(id, nil)
}

// finish removes a pending message and reports its Result.
func (s *Sender) finish(receipt string, err error) {
	s.pmu.Lock()
	o := s.pending[receipt]
	delete(s.pending, receipt)
	if receipt == s.probeID {
		close(s.probeDone)
		s.probeID, s.probeDone = "", nil
	}
	s.pmu.Unlock()
	if o == nil {
		return // a receipt we no longer wait for (already rejected)
	}
	select {
	case s.results <- Result{ID: o.id, Err: err}:
	case <-s.ctx.Done():
		return
	}
	<-s.slots
}

// resend writes every pending message on the new connection, oldest first,
// then makes it current; false if the connection died meanwhile.
func (s *Sender) resend(c *Conn) bool {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	list := s.pendingList()
	for _, o := range list {
		if err := c.buffer(o.f); err != nil {
			return false
		}
	}
	if err := c.flush(); err != nil {
		return false
	}
	if len(list) > 0 {
		s.log.Info("stomp sender resent unconfirmed messages", "count", len(list), "broker", c.Addr().String())
	}
	s.conn = c
	return true
}

// pendingList returns the pending messages, oldest first.
func (s *Sender) pendingList() []*outgoing {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return slices.SortedFunc(maps.Values(s.pending), func(a, b *outgoing) int { return cmp.Compare(a.seq, b.seq) })
}

// Close stops taking messages, waits until every sent message has its
// Result or ctx ends, then disconnects and stops the goroutines. Messages
// still unconfirmed then never get a Result (the caller keeps them, to send
// again): the error says how many.
func (s *Sender) Close(ctx context.Context) error {
	s.once.Do(func() { close(s.closed) })
	s.Flush() // what was buffered is sent: Close waits for its receipts
	var err error
	// Holding every slot means nothing is pending.
	held := 0
wait:
	for ; held < cap(s.slots); held++ {
		select {
		case s.slots <- struct{}{}:
		case <-s.done:
			break wait
		case <-ctx.Done():
			err = fmt.Errorf("stomp sender %s: %d messages unconfirmed at close: %w", s.uri, s.Pending(), context.Cause(ctx))
			break wait
		}
	}
	s.cancel()
	<-s.done
	if err == nil && s.err != nil {
		err = s.err
	}
	return err
}
