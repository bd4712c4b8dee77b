package stomp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDialConnectionRefused(t *testing.T) {
	a := kindtest.RefusedAddr(t)
	u, _ := ParseURI("failover:(stomp://" + a + ")?maxReconnectAttempts=0")
	_, err := Dial(testCtx(t), u, Options{Logger: quiet()})
	if err == nil || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("want a connection refused error naming %s, got %v", a, err)
	}
}

func TestDialGarbageIsAnErrorNotAPanic(t *testing.T) {
	for name, reply := range map[string]string{
		"not stomp":      "HTTP/1.1 400 Bad Request\r\n\r\n",
		"bad header":     "CONNECTED\nno-colon-here\n\n\x00",
		"bad length":     "CONNECTED\ncontent-length:abc\n\n\x00",
		"closed early":   "CONNECTED\nversion:1.2\n",
		"stomp 1.0 only": "CONNECTED\n\n\x00",
	} {
		t.Run(name, func(t *testing.T) {
			fb := newFakeBroker(t, func(_ *fakeBroker, nc net.Conn) { answerConnect(nc, reply) })
			u, _ := ParseURI("failover:(" + fb.uri(t).String() + ")?maxReconnectAttempts=0")
			_, err := Dial(testCtx(t), u, Options{Logger: quiet()})
			if err == nil || !strings.Contains(err.Error(), fb.addr()) {
				t.Fatalf("want an error naming %s, got %v", fb.addr(), err)
			}
		})
	}
}

func TestGarbageAfterConnectFailsTheConnection(t *testing.T) {
	fb := newFakeBroker(t, replyToConnect("CONNECTED\nversion:1.2\n\n\x00BOGUS\n\n\x00"))
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if err := c.Err(); err == nil || !errors.Is(err, frame.ErrInvalidCommand) {
		t.Fatalf("want invalid command, got %v", err)
	}
	if err := c.Close(); err == nil {
		t.Fatal("Close should return the failure that ended the connection")
	}
}

func TestWrongPasswordFromFakeBrokerBacksOff(t *testing.T) {
	fb := newFakeBroker(t, func(_ *fakeBroker, nc net.Conn) {
		answerConnect(nc, "ERROR\nmessage:Access refused\n\nbad login or passcode\x00")
	})
	u, _ := ParseURI("failover:(" + fb.uri(t).String() + ")?initialReconnectDelay=100&maxReconnectDelay=300&maxReconnectAttempts=4")
	opts := Options{Logger: quiet(), Auth: Auth{Scheme: "plain", Name: "u", Pass: "wrong"}}
	// Record the backoff instead of sleeping: the test checks the policy, not the clock.
	recorded := recordDelays(&opts)
	_, err := Dial(testCtx(t), u, opts)
	delays := recorded()
	var be *BrokerError
	if !errors.As(err, &be) || be.During != "CONNECT" || !strings.Contains(err.Error(), fb.addr()) ||
		!strings.Contains(err.Error(), "Access refused") {
		t.Fatalf("want a BrokerError naming the broker and the reason, got %v", err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("delays %v, want %v", delays, want)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
}

func TestFailoverUsesTheSecondAddress(t *testing.T) {
	fb := newFakeBroker(t, serveSTOMP("0,0"))
	u, err := ParseURI("failover:(stomp://" + kindtest.RefusedAddr(t) + ",stomp://" + fb.addr() + ")")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(testCtx(t), u, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Addr().HostPort() != fb.addr() || c.Server() != "fake/1" {
		t.Fatalf("connected to %s (%s), want %s", c.Addr(), c.Server(), fb.addr())
	}
}

func TestSilentBrokerIsDetected(t *testing.T) {
	// CONNECTED promises a beat every 100 ms, then nothing is ever sent.
	// Keep reading the client's beats, never answer.
	fb := newFakeBroker(t, replyToConnect("CONNECTED\nversion:1.2\nheart-beat:100,0\n\n\x00"))
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet(), HeartBeatRecv: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, recv := c.HeartBeats(); recv != 100*time.Millisecond {
		t.Fatalf("negotiated receive period %v, want the broker's 100ms", recv)
	}
	select {
	case <-c.Done():
	case <-testCtx(t).Done():
		t.Fatal("silent broker not detected")
	}
	var se *SilentError
	if !errors.As(c.Err(), &se) || !strings.Contains(se.Error(), "silent") {
		t.Fatalf("want SilentError, got %v", c.Err())
	}
	c.Close()
}

func TestHeartBeatsAreSent(t *testing.T) {
	got := make(chan struct{})
	fb := newFakeBroker(t, func(_ *fakeBroker, nc net.Conn) {
		br := answerConnect(nc, "CONNECTED\nversion:1.2\nheart-beat:0,50\n\n\x00")
		if b, err := br.ReadByte(); err == nil && b == '\n' {
			close(got)
		}
		io.Copy(io.Discard, br)
	})
	c, err := Dial(testCtx(t), fb.uri(t), Options{Logger: quiet(), HeartBeatSend: 20 * time.Millisecond,
		DisconnectTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if send, _ := c.HeartBeats(); send != 50*time.Millisecond {
		t.Fatalf("negotiated send period %v, want 50ms", send)
	}
	select {
	case <-got:
	case <-testCtx(t).Done():
		t.Fatal("no heart-beat received by the broker")
	}
}

func TestSenderResendsAfterConnectionLoss(t *testing.T) {
	// The broker records SENDs but only answers receipts once "ack" is
	// closed, so messages are in flight when the connection drops.
	release := make(chan struct{})
	var once sync.Once
	fb := newFakeBroker(t, func(fb *fakeBroker, nc net.Conn) {
		select {
		case <-release:
			serveSTOMP("0,0")(fb, nc)
		default:
			frameLoop(nc, func(w *frame.Writer, f *frame.Frame) bool {
				switch f.Command {
				case frame.CONNECT:
					w.Write(frame.New(frame.CONNECTED, "version", "1.2"))
				case frame.SEND:
					if fb.record(f) == 3 {
						// Drop the connection after 3 unconfirmed SENDs.
						once.Do(func() { close(release) })
						return false
					}
				}
				return true
			})
		}
	})
	ctx := testCtx(t)
	s := fb.sender(t, 10)
	for i, id := range []string{"a", "b", "c"} {
		if err := s.Send(ctx, id, "/queue/x", &queue.Message{Body: []byte{byte('0' + i)}}); err != nil {
			t.Fatal(err)
		}
	}
	confirmedIDs(ctx, t, s, 3)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sends := fb.sent()
	if len(sends) != 6 {
		t.Fatalf("want 3 sends + 3 resends, got %d", len(sends))
	}
	for i := range 3 {
		if string(sends[3+i].Body) != string(sends[i].Body) {
			t.Fatalf("resend %d out of order: %q vs %q", i, sends[3+i].Body, sends[i].Body)
		}
	}
}

func TestSenderRejectsWhatTheBrokerRefuses(t *testing.T) {
	fb := newRefusingBroker(t, func(f *frame.Frame) *frame.Frame {
		if f.Header.Get("destination") != "/queue/forbidden" {
			return nil
		}
		return errorFrame("access denied", "", f.Header.Get(frame.Receipt))
	})
	ctx := testCtx(t)
	s := fb.sender(t, 1)
	if err := s.Send(ctx, "bad", "/queue/forbidden", &queue.Message{}); err != nil {
		t.Fatal(err)
	}
	r := <-s.Results()
	if r.ID != "bad" || r.Err == nil || !strings.Contains(r.Err.Error(), "access denied") {
		t.Fatalf("want the rejection of bad, got %+v", r)
	}
	// The sender reconnected and goes on.
	if err := s.Send(ctx, "good", "/queue/ok", &queue.Message{}); err != nil {
		t.Fatal(err)
	}
	if r := <-s.Results(); r.ID != "good" || r.Err != nil {
		t.Fatalf("want good confirmed, got %+v", r)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSenderCloseReportsUnconfirmed(t *testing.T) {
	// A broker that never sends receipts.
	fb := newFakeBroker(t, replyToConnect("CONNECTED\nversion:1.2\n\n\x00"))
	ctx := testCtx(t)
	s, err := NewSender(ctx, fb.uri(t), Options{Logger: quiet(), DisconnectTimeout: 100 * time.Millisecond}, SenderOptions{Window: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1", "2"} {
		if err := s.Send(ctx, id, "/queue/x", &queue.Message{}); err != nil {
			t.Fatal(err)
		}
	}
	// The window is full: a third Send waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Send(short, "3", "/queue/x", &queue.Message{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send on a full window: want deadline exceeded, got %v", err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer ccancel()
	if err := s.Close(cctx); err == nil || !strings.Contains(err.Error(), "2 messages unconfirmed") {
		t.Fatalf("want 2 unconfirmed, got %v", err)
	}
	if err := s.Send(ctx, "4", "/queue/x", &queue.Message{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close: want ErrClosed, got %v", err)
	}
}

func TestSenderAndReceiverStopWhenReconnectionIsExhausted(t *testing.T) {
	ctx := testCtx(t)
	fb := newFakeBroker(t, serveSTOMP("0,0"))
	u, _ := ParseURI("failover:(" + fb.uri(t).String() + ")?maxReconnectAttempts=0")
	s, err := NewSender(ctx, u, Options{Logger: quiet()}, SenderOptions{Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, "1", "/queue/x", &queue.Message{}); err != nil {
		t.Fatal(err)
	}
	if r := <-s.Results(); r.ID != "1" || r.Err != nil {
		t.Fatalf("result %+v", r)
	}
	fb.stop() // the broker goes away for good
	<-s.Done()
	if s.Err() == nil || !strings.Contains(s.Err().Error(), fb.addr()) {
		t.Fatalf("want the reconnection error naming the broker, got %v", s.Err())
	}
	if _, open := <-s.Results(); open {
		t.Fatal("Results should be closed")
	}
	if err := s.Send(ctx, "2", "/queue/x", &queue.Message{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after failure: want ErrClosed, got %v", err)
	}
	if err := s.Close(ctx); err == nil {
		t.Fatal("Close should report the failure")
	}
}

func TestReceiverStopsWhenReconnectionIsExhausted(t *testing.T) {
	ctx := testCtx(t)
	fb := newFakeBroker(t, serveSTOMP("0,0"))
	u, _ := ParseURI("failover:(" + fb.uri(t).String() + ")?maxReconnectAttempts=0")
	r, err := NewReceiver(ctx, u, Options{Logger: quiet()}, SubscribeOptions{Destination: "/queue/x"})
	if err != nil {
		t.Fatal(err)
	}
	fb.stop()
	if _, open := <-r.Deliveries(); open {
		t.Fatal("no message was sent")
	}
	if r.Err() == nil {
		t.Fatal("want the reason the receiver stopped")
	}
	r.Close()
}

// TestSenderFindsThePoisonMessage: the broker answers a bad destination
// with an ERROR that names no receipt and closes; the Sender probes the
// pending messages one at a time, rejects the poison and delivers the rest.
func TestSenderFindsThePoisonMessage(t *testing.T) {
	fb := newRefusingBroker(t, func(f *frame.Frame) *frame.Frame {
		if f.Header.Get("destination") != "/queue/poison" {
			return nil
		}
		return errorFrame("not_found", "", "")
	})
	ctx := testCtx(t)
	s := fb.sender(t, 10)
	for i := range 6 {
		dest := "/queue/ok"
		if i == 2 || i == 4 {
			dest = "/queue/poison"
		}
		if err := s.Send(ctx, fmt.Sprint(i), dest, &queue.Message{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	results := map[string]error{}
	for len(results) < 6 {
		select {
		case r := <-s.Results():
			if _, dup := results[r.ID]; dup {
				t.Fatalf("two results for %s", r.ID)
			}
			results[r.ID] = r.Err
		case <-ctx.Done():
			t.Fatalf("results so far: %v", results)
		}
	}
	for id, err := range results {
		poison := id == "2" || id == "4"
		if poison != (err != nil) || poison && !strings.Contains(err.Error(), "not_found") {
			t.Fatalf("message %s: poison %v, result %v", id, poison, err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
