package stomp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/brokers/internal/framelimit"
)

// silenceFactor times the broker's heart-beat period is how long we wait
// for any byte before declaring the broker dead. The STOMP spec leaves the
// tolerance to the client; ActiveMQ 5.17 sends its first beat two periods
// after CONNECTED (measured), so 2 would be too tight.
const silenceFactor = 3

// ErrFrameTooLarge matches (errors.Is) the failure of a connection whose
// broker sent a frame larger than Options.MaxFrameSize.
var ErrFrameTooLarge = framelimit.ErrTooLarge

// receiptsBuffer is the capacity of Conn.Receipts: the reader goroutine
// blocks (and stops reading the socket) when the consumer lags that much.
const receiptsBuffer = 1024

// writeBufferSize is the size of a connection's write buffer: a window of
// 1 KiB messages leaves in a few writes.
const writeBufferSize = 64 << 10

// Conn is one STOMP 1.1/1.2 connection to one broker address.
//
// It owns two goroutines: a reader that dispatches RECEIPT, MESSAGE and ERROR
// frames, enforces the broker's heart-beat through read deadlines and
// Options.MaxFrameSize before any frame body is allocated, and a
// heart-beater that writes an EOL when nothing else was written for half the
// negotiated period. Both end when the connection fails or Close is called;
// Done is closed then and Err says why.
//
// Writes (Send, Ack, ...) may be called from any goroutine; each frame is
// written and flushed under a mutex, without waiting for any answer: receipts
// arrive on Receipts, so many SENDs can be outstanding (pipelining), unlike
// go-stomp's Conn.Send with a receipt which waits for each one. A burst of
// frames can also be buffered and flushed once (Sender.Buffer, and the
// stomp.receiver kind's acknowledgements): one write for the burst.
type Conn struct {
	addr   Address
	opts   Options
	log    *slog.Logger
	nc     net.Conn
	reader *frame.Reader

	wmu sync.Mutex
	// out gathers encoded frames until a flush sends them in one write:
	// a burst of SENDs or ACKs costs one system call, not one per frame.
	out       *bufio.Writer
	writer    *frame.Writer // encodes into out
	lastWrite atomic.Int64  // unix nanoseconds

	version, server, session string
	sendPeriod, recvPeriod   time.Duration

	receipts chan string

	mu       sync.Mutex
	subs     map[string]*Subscription
	waiters  map[string]chan struct{}
	closing  bool
	nextID   uint64
	done     chan struct{}
	err      error
	failOnce sync.Once
	wg       sync.WaitGroup
}

// Version is the negotiated STOMP version ("1.1" or "1.2").
func (c *Conn) Version() string { return c.version }

// Server is the CONNECTED "server" header, e.g. "RabbitMQ/3.10.8".
func (c *Conn) Server() string { return c.server }

// Addr is the broker address this connection reached.
func (c *Conn) Addr() Address { return c.addr }

// HeartBeats returns the negotiated periods: how often we send, and how often
// the broker sends (0 = none).
func (c *Conn) HeartBeats() (send, recv time.Duration) { return c.sendPeriod, c.recvPeriod }

// Receipts delivers the receipt-id of every RECEIPT frame that answers a
// frame written with a "receipt" header by the caller (receipts the Conn
// asked for itself, for SUBSCRIBE and DISCONNECT, are not delivered here).
// It is never closed; select on Done as well. The reader goroutine blocks
// (and stops reading the socket) when more than 1024 receipts are unread.
func (c *Conn) Receipts() <-chan string { return c.receipts }

// Done is closed when the connection has ended (failure or Close).
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended: nil while it is up, ErrClosed after
// Close, otherwise the failure (*BrokerError, *SilentError, network error).
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// dialAddress opens one connection: TCP (and TLS), CONNECT, CONNECTED.
func dialAddress(ctx context.Context, a Address, opts Options) (*Conn, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", a.HostPort())
	if err != nil {
		return nil, fmt.Errorf("broker %s: %w", a, err)
	}
	if a.TLS {
		cfg, err := opts.TLS.Config(a.Host)
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("broker %s: %w", a, err)
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("broker %s: tls: %w", a, err)
		}
		nc = tc
	}
	c := &Conn{
		addr: a, opts: opts, nc: nc,
		log:      opts.Logger.With("broker", a.String()),
		receipts: make(chan string, receiptsBuffer),
		subs:     map[string]*Subscription{},
		waiters:  map[string]chan struct{}{},
		done:     make(chan struct{}),
	}
	// The deadline covers the handshake; a cancelled ctx also interrupts it.
	deadline, _ := ctx.Deadline()
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	err = c.handshake()
	if !stop() || err != nil {
		nc.Close()
		if err == nil || ctx.Err() != nil && !isBrokerError(err) {
			err = fmt.Errorf("broker %s: CONNECT: %w", a, context.Cause(ctx))
		}
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	c.lastWrite.Store(time.Now().UnixNano())
	c.wg.Add(2)
	go c.readLoop()
	go c.heartBeatLoop()
	c.log.Debug("stomp connected", "version", c.version, "server", c.server,
		"heartbeat_send", c.sendPeriod, "heartbeat_recv", c.recvPeriod)
	return c, nil
}

func isBrokerError(err error) bool {
	var be *BrokerError
	return errors.As(err, &be)
}

// handshake writes CONNECT and reads CONNECTED (or ERROR).
func (c *Conn) handshake() error {
	o := &c.opts
	h := [][2]string{
		{"accept-version", "1.1,1.2"},
		{"host", o.VirtualHost},
		{"heart-beat", fmt.Sprintf("%d,%d", o.HeartBeatSend.Milliseconds(), o.HeartBeatRecv.Milliseconds())},
	}
	if o.Auth.Scheme == "plain" {
		h = append(h, [2]string{"login", o.Auth.Name}, [2]string{"passcode", o.Auth.Pass})
	}
	for k, v := range o.Headers {
		h = setHeader(h, k, v)
	}
	// CONNECT is written by hand: STOMP 1.2 forbids escaping in CONNECT and
	// CONNECTED, which frame.Writer always does (a passcode may hold ':').
	var b bytes.Buffer
	b.WriteString("CONNECT\n")
	for _, kv := range h {
		if strings.ContainsAny(kv[0]+kv[1], "\r\n") || strings.Contains(kv[0], ":") {
			return fmt.Errorf("broker %s: CONNECT header %q: newline or colon not allowed", c.addr, kv[0])
		}
		b.WriteString(kv[0] + ":" + kv[1] + "\n")
	}
	b.WriteString("\n\x00")
	if _, err := c.nc.Write(b.Bytes()); err != nil {
		return fmt.Errorf("broker %s: CONNECT: %w", c.addr, err)
	}
	// One reader for the handshake and after: bytes the broker sends right
	// after CONNECTED stay in its buffer. recvPeriod is 0 until negotiated,
	// so deadlineReader leaves the handshake deadline alone. The size guard
	// sits under the frame reader's buffer, so an oversized frame fails the
	// read before the frame package allocates its body.
	c.reader = frame.NewReaderSize(framelimit.NewReader(&deadlineReader{c: c}, o.MaxFrameSize), 16*1024)
	var f *frame.Frame
	for f == nil {
		var err error
		if f, err = c.reader.Read(); err != nil {
			if tl := c.tooLarge(err); tl != nil {
				return tl
			}
			if errors.Is(err, io.EOF) {
				// ActiveMQ sometimes closes before its ERROR frame is out.
				return fmt.Errorf("broker %s closed the connection before CONNECTED (credentials or virtual host refused?): %w", c.addr, err)
			}
			return fmt.Errorf("broker %s: waiting for CONNECTED: %w", c.addr, err)
		}
	}
	switch f.Command {
	case frame.CONNECTED:
	case frame.ERROR:
		return &BrokerError{Addr: c.addr, During: "CONNECT", Message: f.Header.Get("message"),
			Body: string(f.Body), ReceiptID: f.Header.Get("receipt-id")}
	default:
		return fmt.Errorf("broker %s: expected CONNECTED, got %s", c.addr, f.Command)
	}
	c.version = f.Header.Get("version")
	c.server = f.Header.Get("server")
	c.session = f.Header.Get("session")
	if c.version == "" {
		c.version = "1.0"
	}
	if c.version != "1.1" && c.version != "1.2" {
		return fmt.Errorf("broker %s: unsupported STOMP version %q (need 1.1 or 1.2)", c.addr, c.version)
	}
	if hb := f.Header.Get("heart-beat"); hb != "" {
		sx, sy, err := frame.ParseHeartBeat(hb)
		if err != nil {
			return fmt.Errorf("broker %s: CONNECTED heart-beat %q: %w", c.addr, hb, err)
		}
		c.sendPeriod = negotiate(o.HeartBeatSend, sy)
		c.recvPeriod = negotiate(o.HeartBeatRecv, sx)
	}
	return nil
}

// negotiate applies the STOMP rule: no beats if either side says 0,
// otherwise the larger of the two.
func negotiate(ours, theirs time.Duration) time.Duration {
	if ours <= 0 || theirs <= 0 {
		return 0
	}
	return max(ours, theirs)
}

func setHeader(h [][2]string, k, v string) [][2]string {
	for i := range h {
		if h[i][0] == k {
			h[i][1] = v
			return h
		}
	}
	return append(h, [2]string{k, v})
}

// deadlineReader extends the read deadline before every read of the socket,
// so a broker silent for silenceFactor heart-beat periods fails the read.
type deadlineReader struct{ c *Conn }

func (d *deadlineReader) Read(p []byte) (int, error) {
	if rp := d.c.recvPeriod; rp > 0 {
		d.c.nc.SetReadDeadline(time.Now().Add(silenceFactor * rp))
	}
	return d.c.nc.Read(p)
}

// tooLarge names the broker in the error of a frame over MaxFrameSize; it
// returns nil for any other error.
func (c *Conn) tooLarge(err error) error {
	if !errors.Is(err, ErrFrameTooLarge) {
		return nil
	}
	return fmt.Errorf("frame from broker %s too large: %w", c.addr, err)
}

// fail ends the connection once with err.
func (c *Conn) fail(err error) {
	c.failOnce.Do(func() {
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		close(c.done)
		c.nc.Close()
		if !errors.Is(err, ErrClosed) {
			c.log.Warn("stomp connection failed", "err", err)
		}
	})
}

func (c *Conn) readLoop() {
	defer c.wg.Done()
	for {
		f, err := c.reader.Read()
		if err != nil {
			var ne net.Error
			c.mu.Lock()
			closing := c.closing
			c.mu.Unlock()
			if closing {
				// The broker closes after answering DISCONNECT: not a failure.
				err = ErrClosed
			} else if errors.As(err, &ne) && ne.Timeout() && c.recvPeriod > 0 {
				err = &SilentError{Addr: c.addr, Period: c.recvPeriod}
			} else if tl := c.tooLarge(err); tl != nil {
				err = tl
			} else {
				err = fmt.Errorf("broker %s: read: %w", c.addr, err)
			}
			c.fail(err)
			return
		}
		if f == nil {
			continue // heart-beat
		}
		switch f.Command {
		case frame.RECEIPT:
			c.dispatchReceipt(f.Header.Get(frame.ReceiptId))
		case frame.MESSAGE:
			c.dispatchMessage(f)
		case frame.ERROR:
			c.fail(&BrokerError{Addr: c.addr, Message: f.Header.Get("message"), Body: string(f.Body),
				ReceiptID: f.Header.Get("receipt-id")})
			return
		default:
			c.fail(fmt.Errorf("broker %s: unexpected %s frame", c.addr, f.Command))
			return
		}
	}
}

func (c *Conn) dispatchReceipt(id string) {
	c.mu.Lock()
	w, ok := c.waiters[id]
	delete(c.waiters, id)
	c.mu.Unlock()
	if ok {
		close(w)
		return
	}
	if c.opts.onReceipt != nil {
		c.opts.onReceipt(id)
		return
	}
	select {
	case c.receipts <- id:
	case <-c.done:
	}
}

func (c *Conn) dispatchMessage(f *frame.Frame) {
	id := f.Header.Get(frame.Subscription)
	c.mu.Lock()
	s := c.subs[id]
	c.mu.Unlock()
	if s == nil {
		c.log.Warn("stomp MESSAGE for unknown subscription dropped (not acknowledged)", "subscription", id,
			"message_id", f.Header.Get(frame.MessageId))
		return
	}
	if !s.seen {
		// A MESSAGE proves the broker accepted the SUBSCRIBE: release its
		// waiter before handing the frame over, which may block until the
		// caller reads, and the caller may only start reading once the
		// subscribe returns. Brokers may well send MESSAGEs before the
		// RECEIPT (the embedded one does).
		s.seen = true
		close(s.active)
	}
	if s.handle != nil {
		s.handle(f)
		return
	}
	select {
	case s.c <- f:
	case <-c.done:
	}
}

func (c *Conn) heartBeatLoop() {
	defer c.wg.Done()
	if c.sendPeriod <= 0 {
		<-c.done
		return
	}
	half := c.sendPeriod / 2
	t := time.NewTicker(half)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if time.Since(time.Unix(0, c.lastWrite.Load())) >= half {
				c.write(nil)
			}
		}
	}
}

// write writes one frame (nil = heart-beat EOL) and flushes it, with
// whatever was buffered before it.
func (c *Conn) write(f *frame.Frame) error { return c.put(f, true) }

// buffer encodes f into the write buffer without flushing it: flush, or the
// next write, sends it (a full buffer is written out on its own). Whoever
// buffers must flush before waiting for an answer to what it buffered.
func (c *Conn) buffer(f *frame.Frame) error { return c.put(f, false) }

// flush sends what buffer left in the write buffer.
func (c *Conn) flush() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.out == nil || c.out.Buffered() == 0 {
		return nil
	}
	select {
	case <-c.done:
		return c.closedErr()
	default:
	}
	c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	if err := c.out.Flush(); err != nil {
		return c.writeFailed(err)
	}
	return nil
}

func (c *Conn) put(f *frame.Frame, flush bool) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.done:
		return c.closedErr()
	default:
	}
	if c.writer == nil {
		c.out = bufio.NewWriterSize(c.nc, writeBufferSize)
		// frame.Writer flushes its own buffer after every frame: into out,
		// which it must not see as a *bufio.Writer (it would flush out too).
		c.writer = frame.NewWriter(struct{ io.Writer }{c.out})
	}
	// Set before encoding: a frame larger than the buffer's room reaches
	// the network at once.
	c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
	err := c.writer.Write(f)
	if err == nil && flush {
		err = c.out.Flush()
	}
	if err != nil {
		return c.writeFailed(err)
	}
	c.lastWrite.Store(time.Now().UnixNano())
	return nil
}

// writeFailed fails the connection after a write error, which it returns
// with the broker's address.
func (c *Conn) writeFailed(err error) error {
	err = fmt.Errorf("broker %s: write: %w", c.addr, err)
	c.fail(err)
	return err
}

// closedErr wraps the reason the connection ended.
func (c *Conn) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if errors.Is(c.err, ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrConnectionLost, c.err)
}

// Write writes a frame as is (SEND, BEGIN, ...); a "receipt" header set by
// the caller makes the broker's RECEIPT arrive on Receipts.
func (c *Conn) Write(f *frame.Frame) error { return c.write(f) }

// newID returns a connection-unique identifier with prefix.
func (c *Conn) newID(prefix string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	return prefix + strconv.FormatUint(c.nextID, 10)
}

// request writes f with a receipt the Conn waits for itself, until ctx ends
// or early (nil: never) is closed, which also counts as success.
func (c *Conn) request(ctx context.Context, f *frame.Frame, early <-chan struct{}) error {
	id := c.newID("bricks-req-")
	w := make(chan struct{})
	c.mu.Lock()
	c.waiters[id] = w
	c.mu.Unlock()
	f.Header.Set(frame.Receipt, id)
	if err := c.write(f); err != nil {
		return err
	}
	select {
	case <-w:
		return nil
	case <-early:
		return nil // the reader deletes the waiter if the RECEIPT ever comes
	case <-c.done:
		if answered(w, early) {
			return nil // it was answered before the connection ended
		}
		return c.closedErr()
	case <-ctx.Done():
		if answered(w, early) {
			return nil
		}
		c.mu.Lock()
		delete(c.waiters, id)
		c.mu.Unlock()
		return fmt.Errorf("no RECEIPT for %s: %w", f.Command, context.Cause(ctx))
	}
}

// answered reports whether either channel is closed, without waiting.
func answered(w, early <-chan struct{}) bool {
	select {
	case <-w:
		return true
	case <-early:
		return true
	default:
		return false
	}
}

// Close disconnects politely (DISCONNECT with a receipt, so the broker has
// processed every frame written before), bounded by DisconnectTimeout, then
// closes the socket and waits for the goroutines. It returns the failure
// that had already ended the connection, if any.
func (c *Conn) Close() error {
	c.mu.Lock()
	already := c.closing
	c.closing = true
	c.mu.Unlock()
	var err error
	if !already {
		select {
		case <-c.done:
			err = c.Err()
		default:
			ctx, cancel := context.WithTimeout(context.Background(), c.opts.DisconnectTimeout)
			if derr := c.request(ctx, frame.New(frame.DISCONNECT), nil); derr != nil {
				c.log.Debug("stomp DISCONNECT not confirmed", "err", derr)
			}
			cancel()
		}
	}
	c.fail(ErrClosed)
	c.wg.Wait()
	return err
}
