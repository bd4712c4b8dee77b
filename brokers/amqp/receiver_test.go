package amqp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
)

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// sendAll sends texts and waits for their confirmations.
func sendAll(tb testing.TB, c *Conn, q string, texts ...string) {
	tb.Helper()
	ctx := testCtx(tb)
	s, err := c.NewSender(ctx, q, SenderOptions{Window: len(texts)})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	for _, x := range texts {
		if err := s.Send(ctx, x, queue.NewText(x, map[string]string{"durable": "true"})); err != nil {
			tb.Fatal(err)
		}
	}
	for range texts {
		if c := confirmOne(tb, s); c.Err != nil {
			tb.Fatal(c.Err)
		}
	}
}

func body(d *Delivery) string {
	if d.Message == nil {
		return "<" + d.Err.Error() + ">"
	}
	return string(d.Message.Body)
}

// TestDispositions checks each outcome on RabbitMQ: released and modified
// messages come back (modified is a release on RabbitMQ 3), a rejected one
// does not, an accepted one does not.
func TestDispositions(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	b := testBrokers[0]
	{
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		sendAll(t, c, q, "release-me", "reject-me", "modify-me", "accept-me")
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{Credit: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		seen := map[string]int{}
		// Credit 1: the broker sends the next message only after a
		// settlement, so the order of events is deterministic.
		for len(seen) < 4 || seen["release-me"] < 2 || seen["modify-me"] < 2 {
			d := recvOne(t, r)
			x := body(d)
			seen[x]++
			var err error
			switch {
			case x == "release-me" && seen[x] == 1:
				err = d.Release(ctx)
			case x == "modify-me" && seen[x] == 1:
				err = d.Modify(ctx, ModifyOptions{DeliveryFailed: true})
			case x == "reject-me":
				err = d.Reject(ctx, "amqp:decode-error", "test rejects it")
			default:
				err = d.Accept(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
			if seen[x] > 2 || len(seen) > 4 {
				t.Fatalf("unexpected delivery %q (seen %v)", x, seen)
			}
		}
		// Nothing may come back now: send a sentinel, it must be next.
		sendAll(t, c, q, "sentinel")
		if d := recvOne(t, r); body(d) != "sentinel" {
			t.Fatalf("got %q after the dispositions, want the sentinel (seen %v)", body(d), seen)
		} else if err := d.Accept(ctx); err != nil {
			t.Fatal(err)
		}
		if seen["reject-me"] != 1 || seen["accept-me"] != 1 {
			t.Errorf("seen %v", seen)
		}
	}
}

// TestDispositionsQpid settles with every outcome on Qpid's example broker,
// which accepts them all but never redelivers (it forgets a message once
// sent): the link must stay usable afterwards.
func TestDispositionsQpid(t *testing.T) {
	bt := brokertest.QpidAMQP(t)
	ctx := testCtx(t)
	q := testBrokers[1].queue(t)
	c := dial(t, bt)
	r, err := c.NewReceiver(ctx, q, ReceiverOptions{Credit: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sendAll(t, c, q, "1", "2", "3", "4", "sentinel")
	settle := []func(*Delivery) error{
		func(d *Delivery) error { return d.Release(ctx) },
		func(d *Delivery) error { return d.Reject(ctx, "", "") },
		func(d *Delivery) error {
			return d.Modify(ctx, ModifyOptions{DeliveryFailed: true, UndeliverableHere: true})
		},
		func(d *Delivery) error { return d.Accept(ctx) },
	}
	for i, f := range settle {
		d := recvOne(t, r)
		if body(d) != strconv.Itoa(i+1) {
			t.Fatalf("got %q, want %d", body(d), i+1)
		}
		if err := f(d); err != nil {
			t.Fatal(err)
		}
	}
	if d := recvOne(t, r); body(d) != "sentinel" {
		t.Fatalf("got %q, want the sentinel", body(d))
	}
}

// TestRedeliveryAfterConnectionDies receives messages without settling
// them, kills the TCP connection, and checks RabbitMQ delivers them again
// to a new connection, and that settling on the dead link fails.
func TestRedeliveryAfterConnectionDies(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	b := testBrokers[0]
	ctx := testCtx(t)
	q := b.queue(t)
	direct := dial(t, bt)
	sendAll(t, direct, q, "a", "b", "c")

	p := newProxy(t, bt.Addr)
	viaProxy := dialAddr(t, p.URI(), options(bt))
	r, err := viaProxy.NewReceiver(ctx, q, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var held []*Delivery
	for range 3 {
		held = append(held, recvOne(t, r))
	}
	p.Cut()
	select {
	case <-r.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("receiver did not notice the dead connection")
	}
	if err := r.Err(); err == nil || err == ErrClosed {
		t.Fatalf("receiver Err = %v, want the connection failure", err)
	}
	if err := held[0].Accept(ctx); err == nil {
		t.Error("Accept on a dead connection succeeded")
	}
	if err := viaProxy.Err(); err == nil || !strings.Contains(err.Error(), p.ln.Addr().String()) {
		t.Errorf("conn Err = %v, want a failure naming the broker", err)
	}
	if err := viaProxy.Close(); err == nil || err != viaProxy.Err() {
		t.Errorf("Close of a failed connection = %v, want the failure (Err %v)", err, viaProxy.Err())
	}

	r2, err := direct.NewReceiver(ctx, q, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	got := map[string]bool{}
	for range 3 {
		d := recvOne(t, r2)
		got[body(d)] = true
		if err := d.Accept(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !got["a"] || !got["b"] || !got["c"] {
		t.Fatalf("redelivered %v, want a, b, c", got)
	}
}

// TestCloseRedelivers checks Receiver.Close gives unsettled messages back
// to RabbitMQ and that settling after Close fails.
func TestCloseRedelivers(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	b := testBrokers[0]
	{
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		sendAll(t, c, q, "x")
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d := recvOne(t, r)
		err = r.Close()
		if !closeErrOK(b, err) {
			t.Fatal(err)
		}
		if err != nil {
			// The broker ignored the end of the session: the message
			// comes back when the connection closes.
			t.Logf("%v: closing the connection", err)
			c.Close()
			c = dial(t, bt)
		}
		if err := r.Err(); err != ErrClosed {
			t.Errorf("Err after Close = %v", err)
		}
		if err := d.Accept(ctx); !errors.Is(err, ErrClosed) {
			t.Errorf("Accept after Close = %v, want ErrClosed", err)
		}
		r2, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r2.Close()
		if d := recvOne(t, r2); body(d) != "x" {
			t.Fatalf("got %q", body(d))
		} else if err := d.Accept(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestManyMessagesCredit moves more messages than several credit windows,
// accepting each, which stalled go-amqp's automatic credit on RabbitMQ.
func TestManyMessagesCredit(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		const n = 3000
		s, err := c.NewSender(ctx, q, SenderOptions{Window: 200})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		go func() {
			for i := range n {
				if s.Send(ctx, strconv.Itoa(i), queue.NewBinary([]byte(strconv.Itoa(i)), nil)) != nil {
					return
				}
			}
		}()
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{Credit: 100, TopUp: 50, StallTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		// Deliveries are accepted by several goroutines, as pipeline
		// stages confirming out of order would.
		work := make(chan *Delivery)
		errc := make(chan error, 4)
		for range 4 {
			go func() {
				var err error
				for d := range work {
					if e := d.Accept(ctx); e != nil && err == nil {
						err = e
					}
				}
				errc <- err
			}()
		}
		for i := range n {
			if c := confirmOne(t, s); c.Err != nil {
				t.Fatal(c.Err)
			}
			d := recvOne(t, r)
			if body(d) != strconv.Itoa(i) {
				t.Fatalf("message %d: %q", i, body(d))
			}
			work <- d
		}
		close(work)
		for range 4 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("stall watchdog interventions: %d", r.Stalls())
	})
}

// TestUnsupportedBody checks an amqp-value map arrives as a Delivery with
// an error, which can be rejected.
func TestUnsupportedBody(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		sendRaw(t, c, q, map[string]any{"k": "v"})
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		d := recvOne(t, r)
		if d.Err == nil || d.Message != nil {
			t.Fatalf("got message %v err %v, want an UnsupportedBodyError", d.Message, d.Err)
		}
		if err := d.Reject(context.Background(), "amqp:decode-error", d.Err.Error()); err != nil {
			t.Fatal(err)
		}
	})
}
