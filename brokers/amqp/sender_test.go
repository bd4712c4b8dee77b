package amqp

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
)

// TestRoundTrip sends text and binary messages with headers of every kind
// and checks they come back identical on both brokers.
func TestRoundTrip(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		s, err := c.NewSender(ctx, q, SenderOptions{Window: 10})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		msgs := []*queue.Message{
			queue.NewText("héllo wörld ✓", map[string]string{"app": "x", "n": "42"}),
			queue.NewBinary([]byte{0, 1, 2, 0xff, '\n'}, map[string]string{
				"message-id": "id-1", "correlation-id": "corr-1", "content-type": "application/octet-stream",
				"subject": "subj", "reply-to": "/queue/reply", "durable": "true", "priority": "7",
			}),
			queue.NewText("", nil),
			queue.NewBinary(nil, nil),
		}
		for i, m := range msgs {
			if err := s.Send(ctx, strconv.Itoa(i), m); err != nil {
				t.Fatal(err)
			}
		}
		for i := range msgs {
			if c := confirmOne(t, s); c.ID != strconv.Itoa(i) || c.Err != nil {
				t.Fatalf("confirmation %d = %+v, want id %d accepted", i, c, i)
			}
		}
		for i, want := range msgs {
			d := recvOne(t, r)
			if d.Err != nil {
				t.Fatalf("message %d: %v", i, d.Err)
			}
			got := d.Message
			if !want.Equal(got) || want.Text != got.Text {
				t.Errorf("message %d: got %v, want %v", i, got, want)
			}
			if err := d.Accept(ctx); err != nil {
				t.Fatal(err)
			}
			if err := d.Accept(ctx); !errors.Is(err, ErrSettled) {
				t.Errorf("second Accept = %v, want ErrSettled", err)
			}
		}
	})
}

// TestWindowPipelining sends many messages through small windows and checks
// every one is confirmed exactly once, in order, and received.
func TestWindowPipelining(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		for _, window := range []int{1, 7, 100} {
			t.Run(fmt.Sprintf("window-%d", window), func(t *testing.T) {
				ctx := testCtx(t)
				q := b.queue(t)
				c := dial(t, bt)
				s, err := c.NewSender(ctx, q, SenderOptions{Window: window})
				if err != nil {
					t.Fatal(err)
				}
				const n = 300
				errc := make(chan error, 1)
				go func() {
					for i := range n {
						if err := s.Send(ctx, strconv.Itoa(i), queue.NewText(strconv.Itoa(i), nil)); err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
				}()
				for i := range n {
					if c := confirmOne(t, s); c.ID != strconv.Itoa(i) || c.Err != nil {
						t.Fatalf("confirmation %d = %+v", i, c)
					}
				}
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); !closeErrOK(b, err) {
					t.Fatal(err)
				}
				if _, ok := <-s.Confirmations(); ok {
					t.Error("Confirmations not closed after Close")
				}
				r, err := c.NewReceiver(ctx, q, ReceiverOptions{Credit: 50})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				for i := range n {
					d := recvOne(t, r)
					if got := string(d.Message.Body); got != strconv.Itoa(i) {
						t.Fatalf("message %d: body %q", i, got)
					}
					if err := d.Accept(ctx); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	})
}

// TestSettledSender checks the at-most-once mode: confirmations without
// dispositions, and the messages still arrive.
func TestSettledSender(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		s, err := c.NewSender(ctx, q, SenderOptions{Settled: true, Window: 5})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{Settled: true})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for i := range 20 {
			if err := s.Send(ctx, strconv.Itoa(i), queue.NewText(strconv.Itoa(i), nil)); err != nil {
				t.Fatal(err)
			}
			if c := confirmOne(t, s); c.ID != strconv.Itoa(i) || c.Err != nil {
				t.Fatalf("confirmation %+v", c)
			}
		}
		for i := range 20 {
			d := recvOne(t, r)
			if string(d.Message.Body) != strconv.Itoa(i) {
				t.Fatalf("message %d: %q", i, d.Message.Body)
			}
			if err := d.Accept(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestSendBadHeader checks a header that does not parse is refused before
// anything is sent, naming the header, and uses no window slot.
func TestSendBadHeader(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		c := dial(t, bt)
		s, err := c.NewSender(ctx, b.queue(t), SenderOptions{Window: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for range 3 {
			err := s.Send(ctx, "bad", queue.NewText("x", map[string]string{"priority": "high"}))
			if err == nil || !containsAll(err.Error(), "priority", "high", bt.Addr) {
				t.Fatalf("err = %v, want one naming the header and broker", err)
			}
		}
		if err := s.Send(ctx, "ok", queue.NewText("x", nil)); err != nil {
			t.Fatal(err)
		}
		if c := confirmOne(t, s); c.ID != "ok" || c.Err != nil {
			t.Fatalf("confirmation %+v", c)
		}
	})
}

// TestRabbitMissingExchange checks sending to an exchange that does not
// exist is a clear error naming the broker and address, never a
// confirmation. (A missing queue behind /amq/queue/NAME is no error at all
// on RabbitMQ 3.10: the message is unroutable, confirmed and dropped.)
func TestRabbitMissingExchange(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	ctx := testCtx(t)
	c := dial(t, bt)
	target := "/exchange/" + queueName(t) + "/key"
	s, err := c.NewSender(ctx, target, SenderOptions{})
	if err == nil {
		defer s.Close()
		err = s.Send(ctx, "1", queue.NewText("x", nil))
		if err == nil {
			err = confirmOne(t, s).Err
		}
	}
	if err == nil || !containsAll(err.Error(), bt.Addr, target) {
		t.Fatalf("err = %v, want an error naming %s and %s", err, bt.Addr, target)
	}
	t.Log(err)
}
