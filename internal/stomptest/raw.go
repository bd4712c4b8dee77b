// Package stomptest is the STOMP conformance suite bricks runs against every
// STOMP broker it supports: the embedded broker, RabbitMQ and ActiveMQ.
// Run takes a Target (an address and credentials) and checks, through the
// go-stomp client and through raw frames, what the bricks pipelines rely
// on: round trips, receipts, ack modes, NACK, redelivery, prefetch, topics,
// transactions and errors.
//
// A broker package runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		stomptest.Run(t, stomptest.Target{Broker: brokertest.RabbitSTOMP(t),
//			SettleDelay: 200 * time.Millisecond}, nil)
//	}
//
// The third argument skips named subtests with a reason, for documented
// differences (ActiveMQ does not redeliver NACKed messages). RawConn, Dial
// and Connect drive a broker frame by frame for tests of one's own.
package stomptest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/go-stomp/stomp/v3/frame"
)

// Target is the broker under test.
type Target struct {
	brokertest.Broker
	// Timeout bounds every wait for a frame; zero means 10 s.
	Timeout time.Duration
	// SettleDelay is how long to let an asynchronous broker dispatch before
	// checking that it did NOT send more than a prefetch window; zero is
	// right for the embedded broker, which dispatches before it answers the
	// next frame. It only makes a failure more likely to show, never a
	// success depend on timing.
	SettleDelay time.Duration
	// StrictErrors requires every rejected frame to get an ERROR frame
	// followed by the end of the connection, as the embedded broker does.
	// Without it a rejection may be either: RabbitMQ closes without an
	// ERROR on unparsable frames and keeps the connection open after some
	// ERRORs; ActiveMQ ignores some malformed frames altogether.
	StrictErrors bool
}

func (tg Target) timeout() time.Duration {
	if tg.Timeout > 0 {
		return tg.Timeout
	}
	return 10 * time.Second
}

// RawConn is a STOMP connection driven frame by frame.
type RawConn struct {
	tb      testing.TB
	nc      net.Conn
	r       *frame.Reader
	w       *frame.Writer
	timeout time.Duration
}

// Dial opens a TCP connection to the target without sending anything.
func Dial(tb testing.TB, tg Target) *RawConn {
	tb.Helper()
	nc, err := net.DialTimeout("tcp", tg.Addr, tg.timeout())
	if err != nil {
		tb.Fatalf("dial %s: %v", tg.Addr, err)
	}
	c := &RawConn{tb: tb, nc: nc, r: frame.NewReader(nc), w: frame.NewWriter(nc), timeout: tg.timeout()}
	tb.Cleanup(func() { nc.Close() })
	return c
}

// Connect dials and completes a STOMP 1.2 CONNECT; extra headers (name,
// value pairs) are added to the CONNECT frame.
func Connect(tb testing.TB, tg Target, extra ...string) *RawConn {
	tb.Helper()
	c := Dial(tb, tg)
	h := []string{frame.AcceptVersion, "1.2", frame.Host, host(tg)}
	if tg.Login != "" {
		h = append(h, frame.Login, tg.Login, frame.Passcode, tg.Passcode)
	}
	c.Write(frame.New(frame.CONNECT, append(h, extra...)...))
	if f := c.Read(); f.Command != frame.CONNECTED {
		tb.Fatalf("CONNECT: got %s %v %q", f.Command, f.Header, f.Body)
	}
	return c
}

func host(tg Target) string {
	if tg.VirtualHost != "" {
		return tg.VirtualHost
	}
	return "localhost"
}

// Conn returns the network connection, e.g. to close it abruptly.
func (c *RawConn) Conn() net.Conn { return c.nc }

// Write sends one frame, or a heart-beat when f is nil.
func (c *RawConn) Write(f *frame.Frame) {
	c.tb.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	if err := c.w.Write(f); err != nil {
		c.tb.Fatalf("write %s: %v", cmd(f), err)
	}
}

// WriteRaw sends bytes as they are, for malformed input.
func (c *RawConn) WriteRaw(b []byte) {
	c.tb.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
	if _, err := c.nc.Write(b); err != nil {
		c.tb.Fatalf("write: %v", err)
	}
}

// TryRead returns the next frame, skipping heart-beats, or the read error.
func (c *RawConn) TryRead() (*frame.Frame, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.timeout))
	for {
		f, err := c.r.Read()
		if err != nil || f != nil {
			return f, err
		}
	}
}

// Read returns the next frame, failing the test on error.
func (c *RawConn) Read() *frame.Frame {
	c.tb.Helper()
	f, err := c.TryRead()
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	return f
}

// Expect reads a frame and fails unless it is a cmd.
func (c *RawConn) Expect(cmd string) *frame.Frame {
	c.tb.Helper()
	f := c.Read()
	if f.Command != cmd {
		c.tb.Fatalf("want %s, got %s %v %q", cmd, f.Command, headers(f), f.Body)
	}
	return f
}

// Request sends f with a receipt header and reads frames until the
// RECEIPT arrives, returning the frames read before it.
func (c *RawConn) Request(f *frame.Frame, receipt string) []*frame.Frame {
	c.tb.Helper()
	f.Header.Set(frame.Receipt, receipt)
	c.Write(f)
	var before []*frame.Frame
	for {
		g := c.Read()
		if g.Command == frame.RECEIPT && g.Header.Get(frame.ReceiptId) == receipt {
			return before
		}
		if g.Command == frame.ERROR {
			c.tb.Fatalf("%s: ERROR %v %q", f.Command, headers(g), g.Body)
		}
		before = append(before, g)
	}
}

// ExpectClosed reads until the connection ends, failing if a frame other
// than heart-beats or an ERROR arrives first; it returns the ERROR, if any.
func (c *RawConn) ExpectClosed() *frame.Frame {
	c.tb.Helper()
	var errFrame *frame.Frame
	for {
		f, err := c.TryRead()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.tb.Fatalf("connection still open after %v", c.timeout)
			}
			return errFrame
		}
		if f.Command != frame.ERROR {
			c.tb.Fatalf("want ERROR and close, got %s %v", f.Command, headers(f))
		}
		errFrame = f
	}
}

// ExpectRejected checks how the broker answered a bad frame. With
// tg.StrictErrors it must send an ERROR and close (ExpectClosed); otherwise
// an ERROR, or the connection closing, is enough. It returns the ERROR,
// if any.
func (c *RawConn) ExpectRejected(tg Target) *frame.Frame {
	c.tb.Helper()
	if tg.StrictErrors {
		f := c.ExpectClosed()
		if f == nil {
			c.tb.Fatal("connection closed without an ERROR frame")
		}
		return f
	}
	f, err := c.TryRead()
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			c.tb.Fatalf("no ERROR and connection still open after %v", c.timeout)
		}
		return nil
	}
	if f.Command != frame.ERROR {
		c.tb.Fatalf("want ERROR or close, got %s %v", f.Command, headers(f))
	}
	return f
}

func cmd(f *frame.Frame) string {
	if f == nil {
		return "heart-beat"
	}
	return f.Command
}

func headers(f *frame.Frame) string {
	var b strings.Builder
	for i := 0; i < f.Header.Len(); i++ {
		k, v := f.Header.GetAt(i)
		fmt.Fprintf(&b, "%s:%s ", k, v)
	}
	return strings.TrimSpace(b.String())
}
