package stomp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// The Sender's receipt timeout (Options.ReceiptTimeout): a broker that
// takes SEND frames and never confirms them, with heart-beats off, is taken
// for dead instead of blocking Send for ever. The tests count frames per
// connection; the timeout is only a setting, nothing is timed.

// receiptSwallower is a fake broker that answers the SEND frames of its
// connection number n (0 is the first) as answer(n) says. It records the
// bodies of the SENDs of every connection.
type receiptSwallower struct {
	mu    sync.Mutex
	sends [][]string // bodies of the SENDs, by connection
}

// sendAnswer is how receiptSwallower answers a SEND.
type sendAnswer int

const (
	confirm sendAnswer = iota // a RECEIPT
	swallow                   // nothing
	refuse                    // an ERROR naming no receipt, then close
)

// answers gives connection n the answer list[n], the last one beyond.
func answers(list ...sendAnswer) func(n int) sendAnswer {
	return func(n int) sendAnswer { return list[min(n, len(list)-1)] }
}

func (rs *receiptSwallower) handler(answer func(n int) sendAnswer) func(*fakeBroker, net.Conn) {
	return func(_ *fakeBroker, nc net.Conn) {
		rs.mu.Lock()
		n := len(rs.sends)
		rs.sends = append(rs.sends, nil)
		rs.mu.Unlock()
		frameLoop(nc, func(w *frame.Writer, f *frame.Frame) bool {
			switch f.Command {
			case frame.CONNECT, frame.STOMP:
				return w.Write(frame.New(frame.CONNECTED, "version", "1.2", "heart-beat", "0,0", "server", "fake/1")) == nil
			case frame.SEND:
				rs.mu.Lock()
				rs.sends[n] = append(rs.sends[n], string(f.Body))
				rs.mu.Unlock()
				switch answer(n) {
				case swallow:
					return true
				case refuse:
					w.Write(frame.New(frame.ERROR, "message", "refused for a test"))
					return false
				}
			}
			if writeReceipt(w, f) != nil {
				return false
			}
			if f.Command == frame.DISCONNECT {
				io.Copy(io.Discard, nc)
				return false
			}
			return true
		})
	}
}

// sent returns the bodies of the SENDs of every connection so far.
func (rs *receiptSwallower) sent() [][]string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := make([][]string, len(rs.sends))
	for i, s := range rs.sends {
		out[i] = append([]string(nil), s...)
	}
	return out
}

// checkSentTwice checks that there were two connections (why says which)
// and that each got the SENDs of bodies, in order.
func (rs *receiptSwallower) checkSentTwice(t *testing.T, bodies []string, why string) {
	t.Helper()
	sent := rs.sent()
	if len(sent) != 2 {
		t.Fatalf("%d connections, want 2 (%s): %q", len(sent), why, sent)
	}
	for n, bs := range sent {
		if strings.Join(bs, ",") != strings.Join(bodies, ",") {
			t.Errorf("connection %d got the SENDs %q, want %q", n, bs, bodies)
		}
	}
}

// swallowerOptions are the Options of the tests of receiptSwallower: no
// heart-beats, a receipt timeout of 50ms and no wait between reconnections.
func swallowerOptions() Options {
	return instantBackoff(Options{Logger: quiet(), HeartBeatSend: -1, HeartBeatRecv: -1, ReceiptTimeout: 50 * time.Millisecond})
}

// sendBodies gives s the messages "m0".."m<n-1>" under the ids "0".."n-1".
func sendBodies(t *testing.T, s *Sender, dest string, n int) []string {
	t.Helper()
	var bodies []string
	for i := range n {
		body := "m" + strconv.Itoa(i)
		if err := s.Send(testCtx(t), strconv.Itoa(i), dest, queue.NewText(body, nil)); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	return bodies
}

// TestSenderResendsWhenReceiptsAreSwallowed: the first connection's broker
// takes 5 messages and confirms none. Once the oldest waited
// ReceiptTimeout, the Sender drops that connection, reconnects and resends
// all 5, in order, on the second one, which confirms them: every message
// gets a successful Result, exactly once.
func TestSenderResendsWhenReceiptsAreSwallowed(t *testing.T) {
	var rs receiptSwallower
	fb := newFakeBroker(t, rs.handler(answers(swallow, confirm)))
	opts := swallowerOptions()
	ctx := testCtx(t)
	s, err := NewSender(ctx, fb.uri(t), opts, SenderOptions{Window: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	bodies := sendBodies(t, s, "/queue/swallowed", 5)
	got := map[string]int{}
	for range bodies {
		select {
		case r := <-s.Results():
			if r.Err != nil {
				t.Errorf("message %s: %v", r.ID, r.Err)
			}
			got[r.ID]++
		case <-s.Done():
			t.Fatalf("the Sender stopped: %v", s.Err())
		case <-ctx.Done():
			t.Fatalf("no Result (%d so far); SENDs by connection: %q", len(got), rs.sent())
		}
	}
	for i := range bodies {
		if n := got[strconv.Itoa(i)]; n != 1 {
			t.Errorf("message %d: %d Results, want 1", i, n)
		}
	}
	rs.checkSentTwice(t, bodies, "the swallowing one, then one that confirms")
}

// TestSenderStopsWhenEveryConnectionSwallowsReceipts: with
// maxReconnectAttempts=1, a broker that confirms nothing gets the messages
// twice (first connection, then the resend on the one reconnection), then
// the Sender stops with a *ReceiptTimeoutError naming the broker and the
// destination; no message got a Result, all are still pending.
func TestSenderStopsWhenEveryConnectionSwallowsReceipts(t *testing.T) {
	var rs receiptSwallower
	fb := newFakeBroker(t, rs.handler(answers(swallow)))
	u, err := ParseURI("failover:(" + fb.uri(t).String() + ")?maxReconnectAttempts=1")
	if err != nil {
		t.Fatal(err)
	}
	opts := swallowerOptions()
	ctx := testCtx(t)
	s, err := NewSender(ctx, u, opts, SenderOptions{Window: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	bodies := sendBodies(t, s, "/queue/swallowed", 3)
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatalf("the Sender did not stop; SENDs by connection: %q", rs.sent())
	}
	var rte *ReceiptTimeoutError
	if err := s.Err(); !errors.As(err, &rte) {
		t.Fatalf("want a *ReceiptTimeoutError, got %v", err)
	}
	for _, want := range []string{fb.addr(), "/queue/swallowed", "no RECEIPT within 50ms", "3 messages unconfirmed"} {
		if !strings.Contains(s.Err().Error(), want) {
			t.Errorf("error %q does not say %q", s.Err(), want)
		}
	}
	for r := range s.Results() {
		t.Errorf("unexpected Result %+v: the messages must stay pending", r)
	}
	if n := s.Pending(); n != 3 {
		t.Errorf("%d messages pending, want 3", n)
	}
	rs.checkSentTwice(t, bodies, "the first, then the one reconnection")
}

// TestReceiptTimeoutDefault: 30 s by default, none when negative.
func TestReceiptTimeoutDefault(t *testing.T) {
	if o := (Options{}).withDefaults(); o.ReceiptTimeout != 30*time.Second {
		t.Errorf("default ReceiptTimeout %s, want 30s", o.ReceiptTimeout)
	}
	if o := (Options{ReceiptTimeout: -1}).withDefaults(); o.ReceiptTimeout != 0 {
		t.Errorf("negative ReceiptTimeout gave %s, want 0 (no bound)", o.ReceiptTimeout)
	}
}

// TestKindReceiptTimeoutField: the stomp.sender's receipt_timeout reaches
// the Options; absent, the Options default applies.
func TestKindReceiptTimeoutField(t *testing.T) {
	k, _ := actors.Lookup(SenderKindName)
	for with, want := range map[string]time.Duration{
		"uri: stomp://127.0.0.1:61613\nreceipt_timeout: 2s\n": 2 * time.Second,
		"uri: stomp://127.0.0.1:61613\n":                      defaultReceiptTimeout,
	} {
		a, err := k.New(decodeWith(t, SenderKindName, with))
		if err != nil {
			t.Fatal(err)
		}
		if got := a.(*senderActor).conn.opts.withDefaults().ReceiptTimeout; got != want {
			t.Errorf("%q: receipt timeout %s, want %s", with, got, want)
		}
	}
}

// TestKindSenderReceiptTimeoutFailsTheStage: a stomp.sender whose broker
// confirms nothing, with heart-beats off and no reconnection allowed
// (maxReconnectAttempts=0), fails after receipt_timeout with an error
// naming the broker and the destination (it used to wait for ever); its
// restart, with the reader's, offers the messages again, and the source
// keeps them all.
func TestKindSenderReceiptTimeoutFailsTheStage(t *testing.T) {
	kindtest.CheckLeaks(t)
	var rs receiptSwallower
	fb := newFakeBroker(t, rs.handler(answers(swallow)))
	src := filepath.Join(t.TempDir(), "in")
	kindtest.Fill(t, src, kindtest.Messages(3)...)
	uri := "failover:(stomp://" + fb.addr() + ")?maxReconnectAttempts=0"
	_, ev := kindtest.RunTree(t, fmt.Sprintf(`
name: swallowed
strategy: rest_for_one
intensity: 1000
period: 1m
backoff: {min: 10ms, max: 100ms}
children:
  - name: sender
    kind: stomp.sender
    with: {uri: %q, destination: /queue/swallowed, heartbeat: 0s, receipt_timeout: 100ms, window: 10}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, window: 10, poll: 20ms}
`, uri, src))
	kindtest.WaitUntil(t, "the sender failed", func() bool { return len(ev.Reasons("sender")) > 0 })
	kindtest.WaitUntil(t, "the messages offered again on a new connection", func() bool {
		sent := rs.sent()
		return len(sent) >= 2 && len(sent[1]) >= 3
	})
	err := ev.Reasons("sender")[0]
	var rte *ReceiptTimeoutError
	if !errors.As(err, &rte) {
		t.Fatalf("want a *ReceiptTimeoutError, got %v", err)
	}
	for _, want := range []string{"stomp sender stomp://" + fb.addr(), "broker stomp://" + fb.addr(), "/queue/swallowed", "no RECEIPT within 100ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if sent := rs.sent(); len(sent[0]) != 3 || !slices.Equal(slices.Sorted(slices.Values(sent[0])), slices.Sorted(slices.Values(sent[1][:3]))) {
		t.Errorf("SENDs of the first two connections differ: %q", sent[:2])
	}
	if n := kindtest.Count(t, src); n != 3 {
		t.Errorf("the source holds %d messages, want 3", n)
	}
}

// TestSenderProbeTimesOutOnSwallowedReceipts: after a broker ERROR naming
// no receipt the Sender probes, sending its messages one at a time and
// waiting for each RECEIPT; a broker that swallows the probed message's
// receipt is dropped after ReceiptTimeout too (the probe used to wait for
// ever), and the probe goes on on the next connection, which confirms.
func TestSenderProbeTimesOutOnSwallowedReceipts(t *testing.T) {
	var rs receiptSwallower
	fb := newFakeBroker(t, rs.handler(answers(refuse, swallow, confirm)))
	opts := swallowerOptions()
	ctx := testCtx(t)
	s, err := NewSender(ctx, fb.uri(t), opts, SenderOptions{Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	sendBodies(t, s, "/queue/probed", 1)
	select {
	case r := <-s.Results():
		if r.Err != nil {
			t.Errorf("message %s: %v", r.ID, r.Err)
		}
	case <-s.Done():
		t.Fatalf("the Sender stopped: %v", s.Err())
	case <-ctx.Done():
		t.Fatalf("no Result; SENDs by connection: %q", rs.sent())
	}
	want := [][]string{{"m0"}, {"m0"}, {"m0"}}
	if sent := rs.sent(); !slices.EqualFunc(sent, want, slices.Equal[[]string]) {
		t.Errorf("SENDs by connection %q, want %q (refused, swallowed, confirmed)", sent, want)
	}
}
