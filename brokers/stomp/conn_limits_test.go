package stomp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"
)

// The bounds a broken or hostile broker meets: the wait for a SUBSCRIBE
// receipt (Options.SubscribeTimeout) and the size of a frame
// (Options.MaxFrameSize).

// instantBackoff makes the reconnection backoff return at once: these
// tests check what is retried, not the clock.
func instantBackoff(o Options) Options {
	o.after = func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		ch <- time.Now()
		return ch
	}
	return o
}

// swallowSubscribe answers CONNECT (no heart-beats), then reads everything
// and never answers again: SUBSCRIBE gets no RECEIPT.
var swallowSubscribe = replyToConnect("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00")

func TestSubscribeTimeoutFailsTheConnection(t *testing.T) {
	fb := newFakeBroker(t, swallowSubscribe)
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet(), HeartBeatSend: -1, HeartBeatRecv: -1,
		SubscribeTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Subscribe(testCtx(t), SubscribeOptions{Destination: "/queue/swallowed"})
	if err == nil || !strings.Contains(err.Error(), fb.addr()) || !strings.Contains(err.Error(), "/queue/swallowed") ||
		!strings.Contains(err.Error(), "subscribe timeout") {
		t.Fatalf("want a subscribe timeout naming the broker and the destination, got %v", err)
	}
	// The broker is taken for dead: the connection has failed, with that reason.
	select {
	case <-c.Done():
	default:
		t.Fatal("the connection is still up after the subscribe timeout")
	}
	if cerr := c.Err(); cerr == nil || cerr.Error() != err.Error() {
		t.Fatalf("connection error %v, want %v", cerr, err)
	}
}

// TestSubscribeTimeoutDefaultsToConnectTimeout: the default bound is the
// connect timeout, so a Receiver left with the defaults never hangs.
func TestSubscribeTimeoutDefaultsToConnectTimeout(t *testing.T) {
	o := Options{ConnectTimeout: 3 * time.Second}.withDefaults()
	if o.SubscribeTimeout != 3*time.Second {
		t.Fatalf("SubscribeTimeout %s, want the connect timeout 3s", o.SubscribeTimeout)
	}
	if o := (Options{}).withDefaults(); o.SubscribeTimeout != defaultConnectTimeout || o.MaxFrameSize != DefaultMaxFrameSize {
		t.Fatalf("defaults: subscribe timeout %s, max frame size %d", o.SubscribeTimeout, o.MaxFrameSize)
	}
	if o := (Options{SubscribeTimeout: -1}).withDefaults(); o.SubscribeTimeout != 0 {
		t.Fatalf("negative SubscribeTimeout gave %s, want 0 (no bound)", o.SubscribeTimeout)
	}
}

// TestReceiverReconnectsAfterSubscribeTimeout: the first connection's
// SUBSCRIBE is swallowed; the Receiver gives up on it and subscribes on a
// new connection, which works. With no reconnection allowed, NewReceiver
// fails with an error naming the broker and the destination.
func TestReceiverReconnectsAfterSubscribeTimeout(t *testing.T) {
	var conns atomic.Int32
	good := serveSTOMP("0,0")
	fb := newFakeBroker(t, func(fb *fakeBroker, nc net.Conn) {
		if conns.Add(1) == 1 {
			swallowSubscribe(fb, nc)
			return
		}
		good(fb, nc)
	})
	opts := instantBackoff(Options{Logger: quiet(), HeartBeatSend: -1, HeartBeatRecv: -1, SubscribeTimeout: 50 * time.Millisecond})
	r, err := NewReceiver(testCtx(t), fb.uri(t), opts, SubscribeOptions{Destination: "/queue/x"})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (the swallowed SUBSCRIBE, then a working one)", n)
	}

	fb2 := newFakeBroker(t, swallowSubscribe)
	u, _ := ParseURI("failover:(" + fb2.uri(t).String() + ")?maxReconnectAttempts=0")
	_, err = NewReceiver(testCtx(t), u, opts, SubscribeOptions{Destination: "/queue/never"})
	if err == nil || !strings.Contains(err.Error(), fb2.addr()) || !strings.Contains(err.Error(), "/queue/never") ||
		!strings.Contains(err.Error(), "subscribe timeout") {
		t.Fatalf("want a subscribe timeout naming the broker and the destination, got %v", err)
	}
}

// hugeMessage is a MESSAGE declaring a 4 GB body, of which a few bytes follow.
const hugeMessage = "MESSAGE\nsubscription:bricks-sub-1\nmessage-id:huge\ncontent-length:4000000000\n\nxxxx"

// serveHuge answers CONNECT and the SUBSCRIBE receipt like serveSTOMP, then
// sends hugeMessage and keeps the connection open.
func serveHuge(_ *fakeBroker, nc net.Conn) {
	frameLoop(nc, func(w *frame.Writer, f *frame.Frame) bool {
		switch f.Command {
		case frame.CONNECT, frame.STOMP:
			w.Write(frame.New(frame.CONNECTED, "version", "1.2", "heart-beat", "0,0"))
		case frame.SUBSCRIBE:
			w.Write(frame.New(frame.RECEIPT, frame.ReceiptId, f.Header.Get(frame.Receipt)))
			io.WriteString(nc, hugeMessage)
			io.Copy(io.Discard, nc)
			return false
		}
		return true
	})
}

// totalAlloc returns the bytes allocated so far by the process.
func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// checkSmallAlloc fails t when more than 64 MiB were allocated since
// before: a 4 GB body was allocated, were the limit not enforced first.
func checkSmallAlloc(t *testing.T, before uint64) {
	t.Helper()
	if d := totalAlloc() - before; d > 64<<20 {
		t.Fatalf("%d bytes allocated: the declared body was allocated", d)
	}
}

func TestFrameTooLargeFailsTheConnection(t *testing.T) {
	fb := newFakeBroker(t, serveHuge)
	before := totalAlloc()
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet(), HeartBeatSend: -1, HeartBeatRecv: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Subscribe(testCtx(t), SubscribeOptions{Destination: "/queue/huge"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-testCtx(t).Done():
		t.Fatal("the connection survived a 4 GB frame")
	}
	want := fmt.Sprintf("frame from broker stomp://%s too large: content-length 4000000000 > limit %d", fb.addr(), DefaultMaxFrameSize)
	if err := c.Err(); !errors.Is(err, ErrFrameTooLarge) || err.Error() != want {
		t.Fatalf("connection error %v, want %q", err, want)
	}
	checkSmallAlloc(t, before)
}

// TestFrameTooLargeOtherShapes: a CONNECTED too large fails Dial, and a
// header section past the limit fails the connection as well.
func TestFrameTooLargeOtherShapes(t *testing.T) {
	for name, tc := range map[string]struct {
		reply string // after the CONNECT
		want  string
	}{
		"CONNECTED with a huge body": {"CONNECTED\nversion:1.2\ncontent-length:4000000000\n\n",
			"content-length 4000000000 > limit 1024"},
		"endless header": {"CONNECTED\nversion:1.2\nx:" + strings.Repeat("y", 4096),
			"longer than the limit of 1024 bytes"},
		"endless command line": {strings.Repeat("C", 4096), "longer than the limit of 1024 bytes"},
	} {
		t.Run(name, func(t *testing.T) {
			fb := newFakeBroker(t, replyToConnect(tc.reply))
			u, _ := ParseURI("failover:(" + fb.uri(t).String() + ")?maxReconnectAttempts=0")
			_, err := Dial(testCtx(t), u, Options{Logger: quiet(), MaxFrameSize: 1024})
			if !errors.Is(err, ErrFrameTooLarge) || !strings.Contains(err.Error(), "frame from broker stomp://"+fb.addr()+" too large: "+tc.want) {
				t.Fatalf("want a frame too large from %s (%s), got %v", fb.addr(), tc.want, err)
			}
		})
	}
}

// TestFrameJustUnderTheLimitPasses: the limit counts the whole frame, and a
// frame that fits is received intact.
func TestFrameJustUnderTheLimitPasses(t *testing.T) {
	body := strings.Repeat("b", 900)
	fb := newFakeBroker(t, serveSubscribe(func(w *frame.Writer, sub *frame.Frame) {
		m := frame.New(frame.MESSAGE, frame.Subscription, "bricks-sub-1", frame.MessageId, "m1",
			frame.ContentLength, fmt.Sprint(len(body)))
		m.Body = []byte(body)
		w.Write(m)
		writeReceipt(w, sub)
	}))
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet(), MaxFrameSize: 1024, HeartBeatSend: -1, HeartBeatRecv: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.Subscribe(testCtx(t), SubscribeOptions{Destination: "/queue/fits"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-s.C():
		if string(f.Body) != body {
			t.Fatalf("body of %d bytes, want %d", len(f.Body), len(body))
		}
	case <-c.Done():
		t.Fatalf("connection failed: %v", c.Err())
	}
}

// TestReceiverReconnectsAfterAFrameTooLarge: the first connection sends a
// 4 GB MESSAGE; the Receiver drops that connection, reconnects, and gets
// the message of the second one. Nothing near 4 GB is ever allocated.
func TestReceiverReconnectsAfterAFrameTooLarge(t *testing.T) {
	var conns atomic.Int32
	small := serveSubscribe(func(w *frame.Writer, sub *frame.Frame) {
		writeReceipt(w, sub)
		m := frame.New(frame.MESSAGE, frame.Subscription, "bricks-sub-1", frame.MessageId, "small")
		m.Body = []byte("fine")
		w.Write(m)
	})
	fb := newFakeBroker(t, func(fb *fakeBroker, nc net.Conn) {
		if conns.Add(1) == 1 {
			serveHuge(fb, nc)
			return
		}
		small(fb, nc)
	})
	before := totalAlloc()
	ctx := testCtx(t)
	r, err := NewReceiver(ctx, fb.uri(t), instantBackoff(Options{Logger: quiet(), HeartBeatSend: -1, HeartBeatRecv: -1}),
		SubscribeOptions{Destination: "/queue/huge"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if d := receive(t, ctx, r); d.MessageID != "small" || string(d.Message.Body) != "fine" {
		t.Fatalf("got message %s %q, want the small one of the second connection", d.MessageID, d.Message.Body)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	checkSmallAlloc(t, before)
}

// TestLimitOptionsValidated: a negative MaxFrameSize is refused.
func TestLimitOptionsValidated(t *testing.T) {
	_, err := Dial(testCtx(t), &URI{Addresses: []Address{{Host: "127.0.0.1", Port: 1}}}, Options{MaxFrameSize: -1})
	if err == nil || !strings.Contains(err.Error(), "max frame size") {
		t.Fatalf("want a max frame size error, got %v", err)
	}
}
