package stomp

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

// Refusals by the broker, seen from the Sender: a refusal of one message is
// a Result with Err (the caller moves the message aside), a refusal of the
// destination (or of the login) stops the Sender and keeps every message.

// refusingBroker is a fake broker that answers each SEND for which refuse
// returns an ERROR frame with it and closes the connection (as RabbitMQ
// and ActiveMQ do); other frames get their RECEIPT. It counts connections.
type refusingBroker struct {
	*fakeBroker
	conns atomic.Int32
}

func newRefusingBroker(t *testing.T, refuse func(send *frame.Frame) *frame.Frame) *refusingBroker {
	rb := &refusingBroker{}
	serve := serveRefusing("0,0", refuse)
	rb.fakeBroker = newFakeBroker(t, func(fb *fakeBroker, nc net.Conn) {
		rb.conns.Add(1)
		serve(fb, nc)
	})
	return rb
}

// errorFrame is an ERROR with message and body, naming receipt when the
// broker says which frame it refuses ("" for RabbitMQ's refusals of SEND).
func errorFrame(message, body, receipt string) *frame.Frame {
	f := frame.New(frame.ERROR, "message", message)
	if receipt != "" {
		f.Header.Set(frame.ReceiptId, receipt)
	}
	f.Body = []byte(body)
	return f
}

// rabbitAccessRefused is what RabbitMQ answers a SEND by a user without
// write permission: no receipt-id.
func rabbitAccessRefused(*frame.Frame) *frame.Frame {
	return errorFrame("access_refused",
		"ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user 'ro'", "")
}

// sendTo sends one message per destination, with ids "0", "1", ...
func sendTo(t *testing.T, s *Sender, dests ...string) {
	t.Helper()
	for i, d := range dests {
		if err := s.Send(testCtx(t), fmt.Sprint(i), d, &queue.Message{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
}

// results collects n Results (by id), failing on a duplicate.
func results(t *testing.T, s *Sender, n int) map[string]error {
	t.Helper()
	ctx := testCtx(t)
	got := map[string]error{}
	for len(got) < n {
		select {
		case r, ok := <-s.Results():
			if !ok {
				t.Fatalf("Sender stopped (%v) with results %v", s.Err(), got)
			}
			if _, dup := got[r.ID]; dup {
				t.Fatalf("two results for %s", r.ID)
			}
			got[r.ID] = r.Err
		case <-ctx.Done():
			t.Fatalf("results so far: %v", got)
		}
	}
	return got
}

// destinationRefused waits until s stops and checks that it stopped with a
// *DestinationError for dest quoting the broker's words, keeping all n
// messages without a Result.
func destinationRefused(t *testing.T, s *Sender, fb *fakeBroker, dest string, n int, words string) {
	t.Helper()
	select {
	case <-s.Done():
	case <-testCtx(t).Done():
		t.Fatal("the Sender did not stop")
	}
	var rs []Result
	for r := range s.Results() {
		rs = append(rs, r)
	}
	if len(rs) != 0 {
		t.Errorf("results %+v, want none: a refused destination rejects no message", rs)
	}
	var de *DestinationError
	if err := s.Err(); !errors.As(err, &de) {
		t.Fatalf("Err = %v, want a *DestinationError", err)
	}
	msg := s.Err().Error()
	for _, want := range []string{fb.addr(), dest, words, fmt.Sprintf("%d messages kept", n)} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if !slices.Equal(de.Destinations, []string{dest}) || de.Kept != n {
		t.Errorf("DestinationError %+v, want destination %s and %d kept", de, dest, n)
	}
	if p := s.Pending(); p != n {
		t.Errorf("%d pending, want all %d kept", p, n)
	}
	if err := s.Close(testCtx(t)); !errors.As(err, &de) {
		t.Errorf("Close = %v, want the DestinationError", err)
	}
}

// TestSenderAccessRefusedKeepsEveryMessage: RabbitMQ refuses every SEND of
// a user without write permission with an ERROR naming no receipt. The
// probe of the first message meets the same refusal: a permission is the
// destination's, so nothing is rejected and the Sender stops, after one
// reconnection only.
func TestSenderAccessRefusedKeepsEveryMessage(t *testing.T) {
	fb := newRefusingBroker(t, rabbitAccessRefused)
	s := fb.sender(t, 10)
	sendTo(t, s, "/queue/out", "/queue/out", "/queue/out")
	destinationRefused(t, s, fb.fakeBroker, "/queue/out", 3, "access_refused")
	if n := fb.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the first, one probe)", n)
	}
}

// TestSenderActiveMQNotAuthorized: ActiveMQ names the refused SEND by its
// receipt and says "not authorized": the destination is refused at once,
// without any probe.
func TestSenderActiveMQNotAuthorized(t *testing.T) {
	fb := newRefusingBroker(t, func(f *frame.Frame) *frame.Frame {
		return errorFrame("User guest is not authorized to write to: queue://out",
			"java.lang.SecurityException: User guest is not authorized to write to: queue://out",
			f.Header.Get(frame.Receipt))
	})
	s := fb.sender(t, 1)
	sendTo(t, s, "/queue/out")
	destinationRefused(t, s, fb.fakeBroker, "/queue/out", 1, "not authorized")
	if n := fb.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1: no probe needed", n)
	}
}

// TestSenderSecondRefusalIsADestinationFailure: an ERROR that says
// nothing about its cause, for every message: the probe finds the first
// refused, then the next, different one refused too, and the Sender
// stops with both kept rather than rejecting the whole queue one by one.
func TestSenderSecondRefusalIsADestinationFailure(t *testing.T) {
	fb := newRefusingBroker(t, func(*frame.Frame) *frame.Frame {
		return errorFrame("internal error", "something went wrong", "")
	})
	s := fb.sender(t, 10)
	sendTo(t, s, "/queue/out", "/queue/out", "/queue/out")
	destinationRefused(t, s, fb.fakeBroker, "/queue/out", 3, "internal error")
	if n := fb.conns.Load(); n != 3 {
		t.Errorf("%d connections, want 3 (the first, two probes)", n)
	}
}

// TestSenderRejectsWhatTheBrokerAloneRefuses: a refusal specific to one
// message (too large, a bad header), with or without the receipt named:
// the broker then accepts the next probed message, so only the refused one
// gets a Result with Err, the others are confirmed, and the Sender goes on.
func TestSenderRejectsWhatTheBrokerAloneRefuses(t *testing.T) {
	for _, named := range []bool{true, false} {
		t.Run(fmt.Sprintf("receipt named %v", named), func(t *testing.T) {
			fb := newRefusingBroker(t, func(f *frame.Frame) *frame.Frame {
				if f.Header.Get("size") != "big" {
					return nil
				}
				receipt := ""
				if named {
					receipt = f.Header.Get(frame.Receipt)
				}
				return errorFrame("message too large", "frame exceeds the limit", receipt)
			})
			ctx := testCtx(t)
			s := fb.sender(t, 10)
			for i := range 5 {
				m := &queue.Message{Header: map[string]string{}, Body: []byte(fmt.Sprint(i))}
				if i == 1 || i == 3 {
					m.Header["size"] = "big"
				}
				if err := s.Send(ctx, fmt.Sprint(i), "/queue/out", m); err != nil {
					t.Fatal(err)
				}
			}
			for id, err := range results(t, s, 5) {
				bad := id == "1" || id == "3"
				if bad != (err != nil) || bad && !strings.Contains(err.Error(), "too large") {
					t.Errorf("message %s: result %v", id, err)
				}
			}
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSenderLoneRefusal: when the refused message is the only one pending,
// no other message can tell; the ERROR's words decide: a missing
// destination keeps it (stop), anything else rejects it and goes on.
func TestSenderLoneRefusal(t *testing.T) {
	refuseBad := func(message string) func(*frame.Frame) *frame.Frame {
		return func(f *frame.Frame) *frame.Frame {
			if f.Header.Get("destination") != "/queue/bad" {
				return nil
			}
			return errorFrame(message, "", "")
		}
	}
	t.Run("missing destination", func(t *testing.T) {
		fb := newRefusingBroker(t, refuseBad("not_found"))
		s := fb.sender(t, 1)
		sendTo(t, s, "/queue/bad")
		destinationRefused(t, s, fb.fakeBroker, "/queue/bad", 1, "not_found")
	})
	t.Run("bad header", func(t *testing.T) {
		fb := newRefusingBroker(t, refuseBad("header too long"))
		ctx := testCtx(t)
		s := fb.sender(t, 1)
		sendTo(t, s, "/queue/bad")
		if r := results(t, s, 1); r["0"] == nil || !strings.Contains(r["0"].Error(), "header too long") {
			t.Fatalf("want message 0 rejected, got %v", r)
		}
		if err := s.Send(ctx, "next", "/queue/good", &queue.Message{}); err != nil {
			t.Fatal(err)
		}
		if r := results(t, s, 1); r["next"] != nil {
			t.Fatalf("want the next message confirmed, got %v", r)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSenderProbeJudgesBetweenDestinations: messages carry their own
// destinations; the broker refuses one of them (not_found: RabbitMQ's
// missing exchange) and accepts the others, so that destination's messages
// are rejected one by one while the rest is confirmed.
func TestSenderProbeJudgesBetweenDestinations(t *testing.T) {
	fb := newRefusingBroker(t, func(f *frame.Frame) *frame.Frame {
		if f.Header.Get("destination") == "/exchange/missing" {
			return errorFrame("not_found", "NOT_FOUND - no exchange 'missing' in vhost '/'", "")
		}
		return nil
	})
	ctx := testCtx(t)
	s := fb.sender(t, 10)
	sendTo(t, s, "/queue/a", "/exchange/missing", "/queue/a", "/exchange/missing", "/queue/a")
	for id, err := range results(t, s, 5) {
		bad := id == "1" || id == "3"
		if bad != (err != nil) || bad && !strings.Contains(err.Error(), "not_found") {
			t.Errorf("message %s: result %v", id, err)
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// loginBroker is a fake broker that refuses every CONNECT once refusing
// is set (as RabbitMQ does a wrong password), and is well-behaved before.
// It counts connections.
type loginBroker struct {
	*fakeBroker
	refusing atomic.Bool
	conns    atomic.Int32
}

// newLoginBroker starts a loginBroker, refusing from the start or not, and
// returns it with the Options to log in to it: a password the errors must
// not show, and backoff delays recorded (returned by delays) instead of
// slept.
func newLoginBroker(t *testing.T, refusing bool) (lb *loginBroker, opts Options, delays func() []time.Duration) {
	lb = &loginBroker{}
	lb.refusing.Store(refusing)
	well := serveSTOMP("0,0")
	lb.fakeBroker = newFakeBroker(t, func(fb *fakeBroker, nc net.Conn) {
		lb.conns.Add(1)
		if !lb.refusing.Load() {
			well(fb, nc)
			return
		}
		answerConnect(nc, "ERROR\nmessage:Access refused\n\nLogin or passcode rejected\x00")
	})
	opts = Options{Logger: quiet(), Auth: Auth{Scheme: "plain", Name: "u", Pass: "secret-pass"}}
	return lb, opts, recordDelays(&opts)
}

// refuseFromNowOn makes lb refuse logins and drops its connections (a
// password changed, then the broker restarted).
func (lb *loginBroker) refuseFromNowOn() {
	lb.refusing.Store(true)
	lb.dropAll()
}

// checkGaveUp checks that err is the *LoginError of the first connection,
// given up on without waiting any backoff.
func (lb *loginBroker) checkGaveUp(t *testing.T, err error, delays func() []time.Duration) {
	t.Helper()
	checkLoginError(t, err, lb.fakeBroker)
	if n := lb.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if d := delays(); len(d) != 0 {
		t.Errorf("delays %v, want none", d)
	}
}

// checkStoppedOnReconnect checks that err is the *LoginError of the one
// reconnection after refuseFromNowOn.
func (lb *loginBroker) checkStoppedOnReconnect(t *testing.T, err error) {
	t.Helper()
	checkLoginError(t, err, lb.fakeBroker)
	if n := lb.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the first, one refused)", n)
	}
}

// recordDelays makes opts record the backoff delays instead of sleeping.
func recordDelays(opts *Options) func() []time.Duration {
	var mu sync.Mutex
	var delays []time.Duration
	opts.after = func(d time.Duration) <-chan time.Time {
		mu.Lock()
		delays = append(delays, d)
		mu.Unlock()
		ch := make(chan time.Time, 1)
		ch <- time.Now()
		return ch
	}
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(delays)
	}
}

// checkLoginError checks a *LoginError that names the broker and does
// not show the password.
func checkLoginError(t *testing.T, err error, fb *fakeBroker) {
	t.Helper()
	var le *LoginError
	if !errors.As(err, &le) {
		t.Fatalf("want a *LoginError, got %v", err)
	}
	for _, want := range []string{"login refused", fb.addr(), "refused CONNECT", "Access refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret-pass") {
		t.Errorf("error %q shows the password", err)
	}
}

// TestSenderGivesUpOnARefusedLogin: even with an unlimited reconnection
// policy (the default), a refused login is not retried: NewSender fails
// with a *LoginError after one round, without waiting any backoff — also
// when another address of the failover list was merely unreachable.
func TestSenderGivesUpOnARefusedLogin(t *testing.T) {
	fb, opts, delays := newLoginBroker(t, true)
	u, err := ParseURI("failover:(stomp://" + kindtest.RefusedAddr(t) + ",stomp://" + fb.addr() + ")")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewSender(testCtx(t), u, opts, SenderOptions{})
	fb.checkGaveUp(t, err, delays)
}

// TestSenderStopsWhenTheLoginIsRefusedOnReconnect: the broker drops the
// connection and then refuses the login (a password changed): the Sender
// stops with a *LoginError after one refused reconnection.
func TestSenderStopsWhenTheLoginIsRefusedOnReconnect(t *testing.T) {
	fb, opts, _ := newLoginBroker(t, false)
	ctx := testCtx(t)
	s, err := NewSender(ctx, fb.uri(t), opts, SenderOptions{Window: 1})
	if err != nil {
		t.Fatal(err)
	}
	fb.refuseFromNowOn()
	<-s.Done()
	fb.checkStoppedOnReconnect(t, s.Err())
	_ = s.Close(ctx)
}
