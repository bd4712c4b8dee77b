package embedded

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/brokers/internal/framelimit"
)

// conn is one client connection. Its reader goroutine (run) reads and
// handles frames in order and owns the session state; its writer goroutine
// (writeLoop) writes what the reader and the destinations enqueue.
type conn struct {
	s       *Server
	nc      net.Conn
	session string
	log     *slog.Logger
	rd      *netReader

	// Owned by the reader goroutine.
	connected bool
	version   string
	subs      map[string]*subscription // by client id
	byTag     map[string]*subscription // by internal tag (ack id prefix)
	nextTag   int
	tx        map[string][]*frame.Frame
	dests     map[string]*destination // queue cache

	// Outbound frames, guarded by omu.
	omu        sync.Mutex
	outq       []out
	spare      []out
	closing    bool       // no more frames but errors and receipts
	writerGone bool       // the writer ended: nothing drains outq any more
	drained    *sync.Cond // signalled when the writer takes outq

	wake       chan struct{} // capacity 1: the writer has work
	writerDone chan struct{}
	beatEvery  atomic.Int64 // heart-beat send interval in ns, 0 = none
}

// out is a frame waiting for the writer, with the delivery it carries.
type out struct {
	f      *frame.Frame
	settle *delivery
}

func newConn(s *Server, nc net.Conn, session string) *conn {
	rd := &netReader{nc: nc, timeout: s.opts.ConnectTimeout, scan: framelimit.NewScanner(s.opts.MaxFrameSize)}
	c := &conn{
		s:          s,
		nc:         nc,
		session:    session,
		log:        s.log.With("session", session, "remote", nc.RemoteAddr().String()),
		rd:         rd,
		subs:       map[string]*subscription{},
		byTag:      map[string]*subscription{},
		tx:         map[string][]*frame.Frame{},
		dests:      map[string]*destination{},
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
	}
	c.drained = sync.NewCond(&c.omu)
	return c
}

// maxPending bounds the frames a client's own requests may leave waiting
// for the writer: a client that pipelines SENDs without reading its
// receipts is then no longer read, and TCP pushes back on it.
const maxPending = 4096

// run serves the connection until it ends, then releases everything it
// holds: subscriptions (requeueing unacked messages), transactions, the
// writer goroutine and the socket.
func (c *conn) run() {
	defer c.s.wg.Done()
	go c.writeLoop()
	c.log.Debug("stomp connection opened")
	c.readLoop()
	for _, sub := range c.subs {
		c.unsubscribe(sub)
	}
	clear(c.tx)
	c.omu.Lock()
	c.closing = true
	c.omu.Unlock()
	c.signal()
	<-c.writerDone
	c.nc.Close()
	c.s.removeConn(c)
	c.log.Debug("stomp connection closed")
}

// stop asks the connection to end: its pending read fails and it closes
// after flushing what it owes, giving up on a client that does not read
// after DefaultCloseTimeout.
func (c *conn) stop() {
	_ = c.nc.SetWriteDeadline(time.Now().Add(DefaultCloseTimeout))
	c.rd.stop()
}

func (c *conn) readLoop() {
	fr := frame.NewReaderSize(c.rd, readBufferSize)
	for {
		f, err := fr.Read()
		if err != nil {
			c.readFailed(err)
			return
		}
		if f == nil {
			continue // heart-beat
		}
		if c.handle(f) {
			return
		}
	}
}

// handle processes one frame and reports whether the connection must end.
func (c *conn) handle(f *frame.Frame) (done bool) {
	var err error
	if !c.connected {
		err = c.connect(f)
		if err == nil {
			return false
		}
	} else {
		done, err = c.dispatch(f)
	}
	if err != nil {
		c.sendError(f, err)
		return true
	}
	if r, ok := f.Header.Contains(frame.Receipt); ok {
		c.reply(frame.New(frame.RECEIPT, frame.ReceiptId, r))
	}
	return done
}

// dispatch runs the handler of a connected client's frame.
func (c *conn) dispatch(f *frame.Frame) (done bool, err error) {
	switch f.Command {
	case frame.SEND:
		err = c.handleSend(f)
	case frame.SUBSCRIBE:
		err = c.handleSubscribe(f)
	case frame.UNSUBSCRIBE:
		err = c.handleUnsubscribe(f)
	case frame.ACK:
		err = c.handleAck(f, true)
	case frame.NACK:
		err = c.handleAck(f, false)
	case frame.BEGIN:
		err = c.handleBegin(f)
	case frame.COMMIT:
		err = c.handleCommit(f)
	case frame.ABORT:
		err = c.handleAbort(f)
	case frame.DISCONNECT:
		return true, nil
	case frame.CONNECT, frame.STOMP:
		err = &protoError{msg: "already connected", detail: "a second " + f.Command + " frame on one connection"}
	default:
		err = protoErrorf("unexpected command", "a client may not send %s frames", f.Command)
	}
	return false, err
}

// readFailed reports why reading stopped, with an ERROR frame when the
// client can still read it.
func (c *conn) readFailed(err error) {
	var ioe ioError
	switch {
	case errors.Is(err, errStopping) || (c.rd.isStopping() && errors.As(err, &ioe)):
		c.sendError(nil, &protoError{msg: "broker shutting down"})
	case errors.Is(err, os.ErrDeadlineExceeded):
		if c.connected {
			c.log.Info("stomp client silent for too long; closing", "timeout", c.rd.timeout)
			c.sendError(nil, protoErrorf("heart-beat timeout", "nothing received for %v", c.rd.timeout))
		} else {
			c.sendError(nil, protoErrorf("connect timeout", "no CONNECT frame within %v", c.s.opts.ConnectTimeout))
		}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		// The client went away.
	case errors.As(err, &ioe):
		c.log.Warn("stomp connection read failed", "err", err)
	case errors.Is(err, framelimit.ErrTooLarge):
		c.sendError(nil, protoErrorf("frame too large", "%v", err)) // says the limit
	case errors.Is(err, frame.ErrInvalidCommand):
		c.sendError(nil, &protoError{msg: "unknown command", detail: "the frame does not start with a STOMP command"})
	default:
		c.sendError(nil, protoErrorf("malformed frame", "%v", err))
	}
}

// sendError queues an ERROR frame for err, answering f's receipt if any.
func (c *conn) sendError(f *frame.Frame, err error) {
	var pe *protoError
	if !errors.As(err, &pe) {
		c.log.Error("stomp request failed", "command", command(f), "err", err)
		pe = &protoError{msg: "internal error", detail: err.Error()}
	} else {
		c.log.Debug("stomp protocol error; closing", "command", command(f), "err", err)
	}
	ef := frame.New(frame.ERROR, frame.Message, pe.msg, frame.ContentType, "text/plain")
	for i := 0; i+1 < len(pe.header); i += 2 {
		ef.Header.Add(pe.header[i], pe.header[i+1])
	}
	if f != nil {
		if r, ok := f.Header.Contains(frame.Receipt); ok {
			ef.Header.Add(frame.ReceiptId, r)
		}
	}
	body := pe.detail
	if body == "" {
		body = pe.msg
	}
	ef.Body = []byte(body + "\n")
	ef.Header.Add(frame.ContentLength, fmt.Sprint(len(ef.Body)))
	c.reply(ef)
}

func command(f *frame.Frame) string {
	if f == nil {
		return ""
	}
	return f.Command
}

// reply hands the writer a frame answering the client (CONNECTED, RECEIPT,
// ERROR). Called by the reader goroutine only, it waits while too many
// frames are pending, so a client that does not read stops being read.
func (c *conn) reply(f *frame.Frame) {
	c.omu.Lock()
	for len(c.outq) >= maxPending && !c.writerGone {
		c.drained.Wait()
	}
	c.outq = append(c.outq, out{f: f})
	c.omu.Unlock()
	c.signal()
}

// enqueue hands a frame to the writer. It never blocks, as destinations
// call it under their lock: MESSAGE frames are bounded by the prefetch
// windows.
func (c *conn) enqueue(o out) {
	c.omu.Lock()
	c.outq = append(c.outq, o)
	c.omu.Unlock()
	c.signal()
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeLoop writes queued frames in batches, one socket flush per batch,
// and heart-beats when the connection is otherwise idle. Once the
// connection is closing it writes only what is not a MESSAGE (receipts,
// errors: the unacked messages were requeued) and ends when the queue is
// empty.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	defer func() {
		c.omu.Lock()
		c.writerGone = true
		c.drained.Broadcast()
		c.omu.Unlock()
	}()
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	fw := frame.NewWriter(laterFlush{bw})
	beat := time.NewTimer(time.Hour)
	beat.Stop()
	defer beat.Stop()
	for {
		select {
		case <-c.wake:
		case <-beat.C:
			if err := c.flushBeat(fw, bw); err != nil {
				c.nc.Close()
				return
			}
		}
		c.omu.Lock()
		items := c.outq
		c.outq = c.spare[:0]
		closing := c.closing
		c.drained.Broadcast()
		c.omu.Unlock()

		var err error
		for _, it := range items {
			if closing && it.settle != nil {
				continue
			}
			if err = fw.Write(it.f); err != nil {
				break
			}
		}
		if closing && !c.rd.isStopping() { // stop set its own deadline
			_ = c.nc.SetWriteDeadline(time.Now().Add(DefaultCloseTimeout))
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			c.log.Debug("stomp connection write failed", "err", err)
			c.nc.Close() // the reader notices and cleans up
			return
		}
		for _, it := range items {
			if it.settle != nil && !closing {
				it.settle.written()
			}
		}
		clear(items)
		c.omu.Lock()
		c.spare = items[:0]
		empty := len(c.outq) == 0
		closing = c.closing
		c.omu.Unlock()
		if closing && empty {
			return
		}
		if d := time.Duration(c.beatEvery.Load()); d > 0 {
			beat.Reset(d)
		}
	}
}

// flushBeat writes a heart-beat (a lone newline).
func (c *conn) flushBeat(fw *frame.Writer, bw *bufio.Writer) error {
	if err := fw.Write(nil); err != nil {
		return err
	}
	return bw.Flush()
}
