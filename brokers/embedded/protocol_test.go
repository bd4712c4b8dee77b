package embedded

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/go-stomp/stomp/v3/frame"
)

func TestServerSendsHeartBeats(t *testing.T) {
	_, tg := start(t, Options{HeartBeatSend: 20 * time.Millisecond, HeartBeatReceive: -1})
	nc, err := net.Dial("tcp", tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	w, r := frame.NewWriter(nc), frame.NewReader(nc)
	if err := w.Write(frame.New(frame.CONNECT, frame.AcceptVersion, "1.2", frame.Host, "x", frame.HeartBeat, "0,20")); err != nil {
		t.Fatal(err)
	}
	f, err := r.Read()
	if err != nil || f.Command != frame.CONNECTED {
		t.Fatalf("CONNECT: %v %v", f, err)
	}
	if got := f.Header.Get(frame.HeartBeat); got != "20,0" {
		t.Errorf("CONNECTED heart-beat %q, want 20,0", got)
	}
	// The client says nothing; the server must keep the line alive.
	for beats := 0; beats < 3; {
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		f, err := r.Read()
		if err != nil {
			t.Fatalf("after %d heart-beats: %v", beats, err)
		}
		if f != nil {
			t.Fatalf("unexpected %s", f.Command)
		}
		beats++
	}
}

func TestSilentClientIsDisconnected(t *testing.T) {
	_, tg := start(t, Options{HeartBeatReceive: 30 * time.Millisecond})
	c := stomptest.Connect(t, tg, frame.HeartBeat, "30,0")
	// Nothing sent: the broker gives up after twice the interval.
	e := c.ExpectClosed()
	if e == nil || e.Header.Get(frame.Message) != "heart-beat timeout" {
		t.Fatalf("want ERROR heart-beat timeout, got %v", e)
	}
}

func TestBeatingClientStaysConnected(t *testing.T) {
	_, tg := start(t, Options{HeartBeatReceive: 200 * time.Millisecond})
	c := stomptest.Connect(t, tg, frame.HeartBeat, "200,0")
	// Ten timeouts' worth of beats, far more often than promised.
	for range 100 {
		c.Write(nil)
		time.Sleep(20 * time.Millisecond)
	}
	c.Request(frame.New(frame.DISCONNECT), "still-here")
}

func TestConnectTimeout(t *testing.T) {
	_, tg := start(t, Options{ConnectTimeout: 50 * time.Millisecond})
	c := stomptest.Dial(t, tg)
	if e := c.ExpectClosed(); e == nil || e.Header.Get(frame.Message) != "connect timeout" {
		t.Fatalf("want ERROR connect timeout, got %v", e)
	}
}

func TestVersionNegotiation(t *testing.T) {
	_, tg := start(t, Options{})
	for _, tc := range []struct{ accept, want string }{
		{"1.0,1.1,1.2", "1.2"}, {"1.1", "1.1"}, {"1.2,1.1", "1.2"}, {"", ""},
	} {
		c := stomptest.Dial(t, tg)
		f := frame.New(frame.CONNECT)
		if tc.accept != "" {
			f.Header.Add(frame.AcceptVersion, tc.accept)
		}
		c.Write(f)
		got := c.Expect(frame.CONNECTED)
		if v := got.Header.Get(frame.Version); v != tc.want {
			t.Errorf("accept-version %q: version %q, want %q", tc.accept, v, tc.want)
		}
		if got.Header.Get(frame.Session) == "" || got.Header.Get(frame.Server) != serverName {
			t.Errorf("CONNECTED headers: %v", got.Header)
		}
	}
	c := stomptest.Dial(t, tg)
	c.Write(frame.New(frame.STOMP, frame.AcceptVersion, "2.0"))
	e := c.ExpectClosed()
	if e == nil || e.Header.Get(frame.Version) != "1.0,1.1,1.2" {
		t.Fatalf("want ERROR listing the versions, got %v", e)
	}
}

func TestStomp10(t *testing.T) {
	_, tg := start(t, Options{})
	c := stomptest.Dial(t, tg)
	c.Write(frame.New(frame.CONNECT))
	c.Expect(frame.CONNECTED)
	// 1.0: no subscription id, ACK by message-id alone.
	c.Request(frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/old", frame.Ack, "client"), "sub")
	send := frame.New(frame.SEND, frame.Destination, "/queue/old")
	send.Body = []byte("hi")
	m := collectOne(t, c, c.Request(send, "sent"))
	if m.Header.Get(frame.Subscription) != "/queue/old" || string(m.Body) != "hi" {
		t.Fatalf("MESSAGE %v %q", m.Header, m.Body)
	}
	c.Request(frame.New(frame.ACK, frame.MessageId, m.Header.Get(frame.MessageId)), "ack")
	c.Request(frame.New(frame.UNSUBSCRIBE, frame.Destination, "/queue/old"), "unsub")
}

func collectOne(t *testing.T, c *stomptest.RawConn, got []*frame.Frame) *frame.Frame {
	t.Helper()
	if len(got) > 0 {
		return got[0]
	}
	return c.Expect(frame.MESSAGE)
}

func TestLogin(t *testing.T) {
	_, tg := start(t, Options{Users: map[string]string{"bricks": "s3cret"}})
	tg.Passcode = "wrong"
	c := stomptest.Dial(t, tg)
	c.Write(frame.New(frame.CONNECT, frame.AcceptVersion, "1.2", frame.Login, "bricks", frame.Passcode, "wrong"))
	if e := c.ExpectClosed(); e == nil || e.Header.Get(frame.Message) != "access refused" {
		t.Fatalf("want ERROR access refused, got %v", e)
	}
}

func TestFrameTooLarge(t *testing.T) {
	_, tg := start(t, Options{MaxFrameSize: 1000})
	c := stomptest.Connect(t, tg)
	ok := frame.New(frame.SEND, frame.Destination, "/queue/x")
	ok.Body = bytes.Repeat([]byte("x"), 900)
	c.Request(ok, "small enough")
	big := frame.New(frame.SEND, frame.Destination, "/queue/x")
	big.Body = bytes.Repeat([]byte("x"), 200_000)
	go func() {
		_ = c.Conn().SetWriteDeadline(time.Now().Add(5 * time.Second))
		_ = frame.NewWriter(c.Conn()).Write(big)
	}()
	if e := c.ExpectClosed(); e == nil || e.Header.Get(frame.Message) != "frame too large" {
		t.Fatalf("want ERROR frame too large, got %v", e)
	}
}

func TestProtocolErrors(t *testing.T) {
	_, tg := start(t, Options{})
	for name, frames := range map[string][]*frame.Frame{
		"subscribe without id":  {frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/x")},
		"bad ack mode":          {frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/x", frame.Id, "1", frame.Ack, "sometimes")},
		"bad prefetch":          {frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/x", frame.Id, "1", "prefetch-count", "many")},
		"duplicate id":          {frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/x", frame.Id, "1"), frame.New(frame.SUBSCRIBE, frame.Destination, "/queue/y", frame.Id, "1")},
		"unknown subscription":  {frame.New(frame.UNSUBSCRIBE, frame.Id, "nope")},
		"unknown ack id":        {frame.New(frame.ACK, frame.Id, "7.1")},
		"ack without id":        {frame.New(frame.ACK)},
		"unknown message-id":    {frame.New(frame.NACK, frame.MessageId, "m1")},
		"unknown transaction":   {frame.New(frame.COMMIT, frame.Transaction, "t")},
		"send in unknown tx":    {frame.New(frame.SEND, frame.Destination, "/queue/x", frame.Transaction, "t")},
		"duplicate transaction": {frame.New(frame.BEGIN, frame.Transaction, "t"), frame.New(frame.BEGIN, frame.Transaction, "t")},
		"begin without id":      {frame.New(frame.BEGIN)},
		"second CONNECT":        {frame.New(frame.CONNECT)},
		"server command":        {frame.New(frame.MESSAGE)},
	} {
		t.Run(name, func(t *testing.T) {
			c := stomptest.Connect(t, tg)
			for _, f := range frames {
				c.Write(f)
			}
			e := c.ExpectClosed()
			if e == nil || e.Header.Get(frame.Message) == "" || len(e.Body) == 0 {
				t.Fatalf("want ERROR with message and body, got %v", e)
			}
		})
	}
}

func TestUnsubscribeRequeues(t *testing.T) {
	srv, tg := start(t, Options{})
	sendN(t, tg, "/queue/u", 4)
	c := stomptest.Connect(t, tg)
	got := receiveN(t, c, subscribe(t, c, "/queue/u", "client-individual", 2), 2)
	// Acking 0 lets 2 in: 1 and 2 are in flight, 3 was never delivered.
	got = receiveN(t, c, c.Request(frame.New(frame.ACK, frame.Id, got[0].Header.Get(frame.Ack)), "ack"), 1)
	if string(got[0].Body) != "body 2" {
		t.Fatalf("after ack got %q", got[0].Body)
	}
	if n := srv.QueueDepth("/queue/u"); n != 3 {
		t.Errorf("QueueDepth = %d with 2 in flight and 1 waiting, want 3", n)
	}
	c.Request(frame.New(frame.UNSUBSCRIBE, frame.Id, "s"), "unsub")
	rest := receiveN(t, c, subscribe(t, c, "/queue/u", "client-individual", 10), 3)
	for i, want := range []string{"true", "true", ""} {
		if string(rest[i].Body) != "body "+strconv.Itoa(i+1) || rest[i].Header.Get("redelivered") != want {
			t.Errorf("after UNSUBSCRIBE %d: %q redelivered=%q, want body %d redelivered=%q",
				i, rest[i].Body, rest[i].Header.Get("redelivered"), i+1, want)
		}
		c.Request(frame.New(frame.ACK, frame.Id, rest[i].Header.Get(frame.Ack)), "ack"+strconv.Itoa(i))
	}
	if n := srv.QueueDepth("u"); n != 0 {
		t.Errorf("QueueDepth = %d after every ack, want 0", n)
	}
}

func TestAutoAckRespectsPrefetch(t *testing.T) {
	// An auto subscription holds at most its window of written-but-not-
	// yet-flushed messages; everything still arrives, in order.
	_, tg := start(t, Options{})
	const n = 500
	c := stomptest.Connect(t, tg)
	subscribe(t, c, "/queue/auto", "auto", 3)
	sendN(t, tg, "/queue/auto", n)
	for i := range n {
		m := c.Expect(frame.MESSAGE)
		if string(m.Body) != "body "+strconv.Itoa(i) || m.Header.Get(frame.Ack) != "" {
			t.Fatalf("message %d: %q %v", i, m.Body, m.Header)
		}
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	srv, tg := start(t, Options{MaxFrameSize: 4096})
	rng := rand.New(rand.NewSource(1))
	pieces := []string{"CONNECT\n", "SEND\n", "\n", "\x00", ":", "destination:/queue/g\n", "content-length:3\n",
		"content-length:99999999999\n", "receipt:r\n", "\\", "\\c", "\\q", "\r\n", "ACK\n", "id:1.1\n", "héllo"}
	for i := range 150 {
		var b strings.Builder
		if i%2 == 0 {
			b.WriteString("CONNECT\naccept-version:1.2\n\n\x00")
		}
		for range rng.Intn(20) {
			if rng.Intn(4) == 0 {
				b.WriteByte(byte(rng.Intn(256)))
			} else {
				b.WriteString(pieces[rng.Intn(len(pieces))])
			}
		}
		nc, err := net.Dial("tcp", tg.Addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = nc.Write([]byte(b.String()))
		nc.Close()
	}
	// The broker still works.
	sendN(t, tg, "/queue/after-garbage", 1)
	c := stomptest.Connect(t, tg)
	if m := receiveN(t, c, subscribe(t, c, "/queue/after-garbage", "auto", 1), 1)[0]; string(m.Body) != "body 0" {
		t.Fatalf("got %q", m.Body)
	}
	_ = srv
}

func TestShutdownClosesClients(t *testing.T) {
	srv, tg := start(t, Options{})
	sendN(t, tg, "/queue/s", 3)
	c := stomptest.Connect(t, tg)
	receiveN(t, c, subscribe(t, c, "/queue/s", "client-individual", 10), 3)
	idle := stomptest.Connect(t, tg)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, cc := range []*stomptest.RawConn{c, idle} {
		if e := cc.ExpectClosed(); e == nil || e.Header.Get(frame.Message) != "broker shutting down" {
			t.Fatalf("want ERROR broker shutting down, got %v", e)
		}
	}
	if _, err := net.Dial("tcp", tg.Addr); err == nil {
		t.Fatal("still accepting after Shutdown")
	}
}

func TestServeReturnsWhenContextEnds(t *testing.T) {
	srv, err := New(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	for srv.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	tg := stomptest.Target{}
	tg.Addr = srv.Addr().String()
	c := stomptest.Connect(t, tg)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	c.ExpectClosed()
	if err := srv.Serve(context.Background()); err != nil {
		t.Fatalf("Serve after shutdown: %v", err)
	}
}

func TestClientNotReadingIsNotReadEither(t *testing.T) {
	srv, tg := start(t, Options{})
	// A small receive buffer, set before connecting, makes the receipts
	// back up sooner.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	nc, err := d.Dial("tcp", tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	w := frame.NewWriter(nc)
	if err := w.Write(frame.New(frame.CONNECT, frame.AcceptVersion, "1.2")); err != nil {
		t.Fatal(err)
	}
	// Pipeline SENDs with receipts and never read: once the socket buffers
	// are full the broker must stop reading instead of queueing receipts
	// without bound, so our writes end up blocking.
	f := frame.New(frame.SEND, frame.Destination, "/queue/flood", frame.Receipt, "r")
	sent := 0
	for ; sent < 2_000_000; sent++ {
		_ = nc.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		if err := w.Write(f); err != nil {
			break
		}
	}
	if sent == 2_000_000 {
		t.Fatal("the broker kept reading SENDs whose receipts nobody reads")
	}
	t.Logf("writes blocked after %d SENDs", sent)
	srv.mu.Lock()
	for sc := range srv.conns {
		sc.omu.Lock()
		if n := len(sc.outq); n > maxPending {
			t.Errorf("%d frames pending for a client that does not read (limit %d)", n, maxPending)
		}
		sc.omu.Unlock()
	}
	srv.mu.Unlock()
	if sent <= maxPending {
		t.Errorf("writes blocked after %d frames, before the pending limit %d was reached", sent, maxPending)
	}
	// Shutdown gives up on this client after DefaultCloseTimeout.
	t0 := time.Now()
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("Shutdown took %v", time.Since(t0))
}
