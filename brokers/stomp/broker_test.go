package stomp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// Tests against the real brokers of tests/brokers/start.sh.

func brokerURI(t testing.TB, b brokertest.Broker) *URI {
	t.Helper()
	u, err := ParseURI(b.URI)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func brokerOpts(b brokertest.Broker) Options {
	return Options{Auth: Auth{Scheme: "plain", Name: b.Login, Pass: b.Passcode}, VirtualHost: b.VirtualHost, Logger: quiet()}
}

// testQueue returns a destination no other test or run uses.
func testQueue(name string) string {
	return fmt.Sprintf("/queue/bricks-test-%s-%d", name, time.Now().UnixNano())
}

func forEachBroker(t *testing.T, f func(t *testing.T, b brokertest.Broker)) {
	for _, b := range brokertest.STOMPBrokers(t) {
		t.Run(strings.ReplaceAll(b.Name, " ", "_"), func(t *testing.T) { f(t, b) })
	}
}

// sendAll sends msgs (ids "0", "1", ...) and waits for every Result.
func sendAll(t *testing.T, ctx context.Context, b brokertest.Broker, window int, dest string, msgs []*queue.Message) {
	t.Helper()
	s, err := NewSender(ctx, brokerURI(t, b), brokerOpts(b), SenderOptions{Window: window})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		for i, m := range msgs {
			if err := s.Send(ctx, fmt.Sprint(i), dest, m); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	seen := map[string]bool{}
	for len(seen) < len(msgs) {
		select {
		case r := <-s.Results():
			if r.Err != nil {
				t.Fatalf("message %s rejected: %v", r.ID, r.Err)
			}
			if seen[r.ID] {
				t.Fatalf("duplicate result for %s", r.ID)
			}
			seen[r.ID] = true
		case <-ctx.Done():
			t.Fatalf("%d of %d confirmed", len(seen), len(msgs))
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, ctx context.Context, r *Receiver) *Delivery {
	t.Helper()
	select {
	case d, ok := <-r.Deliveries():
		if !ok {
			t.Fatalf("receiver stopped: %v", r.Err())
		}
		return d
	case <-ctx.Done():
		t.Fatal("no message received")
	}
	return nil
}

func newReceiver(t *testing.T, ctx context.Context, b brokertest.Broker, sub SubscribeOptions) *Receiver {
	t.Helper()
	r, err := NewReceiver(ctx, brokerURI(t, b), brokerOpts(b), sub)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBrokerRoundTrip(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("roundtrip")
		text := &queue.Message{Header: map[string]string{"x-colon": "a:b", "x-newline": "l1\nl2", "x-backslash": `c:\dir`,
			"message-id": "must-not-be-sent"}, Body: []byte("héllo"), Text: true}
		bin := &queue.Message{Header: map[string]string{"content-type": "application/octet-stream"},
			Body: []byte{0, 1, 2, 0, 255, 0}}
		empty := &queue.Message{Header: map[string]string{"n": "3"}, Body: []byte{}}
		sendAll(t, ctx, b, 10, dest, []*queue.Message{text, bin, empty})

		r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
		defer r.Close()
		for i, want := range []*queue.Message{text, bin, empty} {
			d := receive(t, ctx, r)
			got := d.Message
			if !bytes.Equal(got.Body, want.Body) || got.Text != want.Text {
				t.Fatalf("message %d: body %q text %v, want %q text %v", i, got.Body, got.Text, want.Body, want.Text)
			}
			for k, v := range want.Header {
				if k == "message-id" {
					continue
				}
				if got.Header[k] != v {
					t.Fatalf("message %d: header %s = %q, want %q (all: %v)", i, k, got.Header[k], v, got.Header)
				}
			}
			for _, k := range DeliveryHeaders {
				if _, ok := got.Header[k]; ok {
					t.Fatalf("message %d: delivery header %s copied: %v", i, k, got.Header)
				}
			}
			if got.Header["destination"] != dest || got.Header["persistent"] != "true" {
				t.Fatalf("message %d: destination/persistent headers wrong: %v", i, got.Header)
			}
			if d.MessageID == "" || d.MessageID == "must-not-be-sent" {
				t.Fatalf("message %d: broker message-id %q", i, d.MessageID)
			}
			if err := d.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestBrokerWindowConfirmsEverything(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("window")
		const n = 300
		msgs := make([]*queue.Message, n)
		for i := range msgs {
			msgs[i] = &queue.Message{Body: []byte(fmt.Sprint(i))}
		}
		sendAll(t, ctx, b, 50, dest, msgs)
		r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest, Prefetch: 50})
		defer r.Close()
		for i := range n {
			d := receive(t, ctx, r)
			if string(d.Message.Body) != fmt.Sprint(i) {
				t.Fatalf("message %d: got %q (order lost)", i, d.Message.Body)
			}
			if err := d.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// bodies sends each body as a message to dest.
func bodies(t *testing.T, ctx context.Context, b brokertest.Broker, dest string, bs ...string) {
	t.Helper()
	msgs := make([]*queue.Message, len(bs))
	for i, s := range bs {
		msgs[i] = &queue.Message{Body: []byte(s), Text: true}
	}
	sendAll(t, ctx, b, 10, dest, msgs)
}

func expectBody(t *testing.T, ctx context.Context, r *Receiver, want string) *Delivery {
	t.Helper()
	d := receive(t, ctx, r)
	if string(d.Message.Body) != want {
		t.Fatalf("got %q, want %q", d.Message.Body, want)
	}
	return d
}

func TestBrokerAckModes(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		t.Run("auto", func(t *testing.T) {
			dest := testQueue("auto")
			bodies(t, ctx, b, dest, "1", "2")
			r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest, Ack: AckAuto})
			expectBody(t, ctx, r, "1")
			expectBody(t, ctx, r, "2")
			r.Close()
			bodies(t, ctx, b, dest, "marker")
			r = newReceiver(t, ctx, b, SubscribeOptions{Destination: dest, Ack: AckClientIndividual})
			defer r.Close()
			expectBody(t, ctx, r, "marker").Ack() // 1 and 2 were consumed without ACK
		})
		t.Run("client", func(t *testing.T) {
			dest := testQueue("client")
			bodies(t, ctx, b, dest, "1", "2", "3", "4")
			r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest, Ack: AckClient})
			expectBody(t, ctx, r, "1")
			expectBody(t, ctx, r, "2")
			d := expectBody(t, ctx, r, "3")
			expectBody(t, ctx, r, "4")
			if err := d.Ack(); err != nil { // cumulative: acks 1, 2, 3
				t.Fatal(err)
			}
			r.Close()
			r = newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
			defer r.Close()
			expectBody(t, ctx, r, "4").Ack()
		})
		t.Run("client-individual", func(t *testing.T) {
			dest := testQueue("individual")
			bodies(t, ctx, b, dest, "1", "2", "3")
			r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
			d1 := expectBody(t, ctx, r, "1")
			expectBody(t, ctx, r, "2")
			d3 := expectBody(t, ctx, r, "3")
			if err := errors.Join(d1.Ack(), d3.Ack()); err != nil {
				t.Fatal(err)
			}
			r.Close()
			r = newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
			defer r.Close()
			expectBody(t, ctx, r, "2").Ack() // only the unacked one comes back
		})
	})
}

// TestBrokerNackRedelivers: RabbitMQ requeues a NACKed message; ActiveMQ
// treats a STOMP NACK as a poison ack and moves the message to
// ActiveMQ.DLQ, where a selector on a unique header finds it.
func TestBrokerNackRedelivers(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("nack")
		tag := fmt.Sprint(time.Now().UnixNano())
		sendAll(t, ctx, b, 1, dest, []*queue.Message{{Header: map[string]string{"bricksnack": tag}, Body: []byte("refused")}})
		r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
		defer r.Close()
		if err := expectBody(t, ctx, r, "refused").Nack(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.Name, "ActiveMQ") {
			r = newReceiver(t, ctx, b, SubscribeOptions{Destination: "/queue/ActiveMQ.DLQ", Selector: "bricksnack = '" + tag + "'"})
			defer r.Close()
		}
		d := expectBody(t, ctx, r, "refused")
		if d.Message.Header["bricksnack"] != tag {
			t.Fatalf("wrong message: %v", d.Message.Header)
		}
		if err := d.Ack(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBrokerRedeliveryAfterConnectionDies(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("redeliver")
		bodies(t, ctx, b, dest, "1", "2")
		c, err := Dial(ctx, brokerURI(t, b), brokerOpts(b))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := c.Subscribe(ctx, SubscribeOptions{Destination: dest})
		if err != nil {
			t.Fatal(err)
		}
		var frames []*Delivery
		for range 2 {
			select {
			case f := <-sub.C():
				frames = append(frames, &Delivery{sub: sub, f: f})
			case <-ctx.Done():
				t.Fatal("no message")
			}
		}
		c.nc.Close() // the connection dies without DISCONNECT
		<-c.Done()
		if err := frames[0].Ack(); !errors.Is(err, ErrConnectionLost) {
			t.Fatalf("ack on a dead connection: want ErrConnectionLost, got %v", err)
		}
		c.Close()
		r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
		defer r.Close()
		for _, want := range []string{"1", "2"} {
			d := expectBody(t, ctx, r, want)
			if d.Message.Header["redelivered"] != "true" {
				t.Logf("%s: no redelivered header on the redelivery: %v", b.Name, d.Message.Header)
			}
			if err := d.Ack(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestBrokerFailoverSkipsARefusedAddress(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		u, err := ParseURI("failover:(stomp://" + kindtest.RefusedAddr(t) + "," + b.URI + ")")
		if err != nil {
			t.Fatal(err)
		}
		c, err := Dial(ctx, u, brokerOpts(b))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if c.Addr().HostPort() != b.Addr {
			t.Fatalf("connected to %s, want %s", c.Addr(), b.Addr)
		}
	})
}

func TestBrokerWrongPassword(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		u, err := ParseURI("failover:(" + b.URI + ")?maxReconnectAttempts=0")
		if err != nil {
			t.Fatal(err)
		}
		opts := brokerOpts(b)
		opts.Auth.Pass = "wrong-password"
		_, err = Dial(testCtx(t), u, opts)
		var be *BrokerError
		// ActiveMQ (stomp+nio) sometimes closes the socket before its ERROR
		// frame is written; the error must still say what happened where.
		refused := errors.As(err, &be) || strings.Contains(b.Name, "ActiveMQ") &&
			err != nil && strings.Contains(err.Error(), "closed the connection before CONNECTED")
		if !refused || !strings.Contains(err.Error(), b.Addr) {
			t.Fatalf("want a refused CONNECT naming %s, got %v", b.Addr, err)
		}
		t.Logf("%s says: %v", b.Name, err)
	})
}

// TestBrokerSenderSurvivesConnectionCuts sends through a proxy that cuts
// the connection while receipts are outstanding: every message is
// confirmed and reaches the queue at least once, in order after dedup.
func TestBrokerSenderSurvivesConnectionCuts(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("cuts")
		p := kindtest.NewProxy(t, b.Addr)
		u, err := ParseURI("stomp://" + p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSender(ctx, u, brokerOpts(b), SenderOptions{Window: 20})
		if err != nil {
			t.Fatal(err)
		}
		const n = 200
		go func() {
			for i := range n {
				if i == n/3 || i == 2*n/3 {
					p.Cut()
				}
				if err := s.Send(ctx, fmt.Sprint(i), dest, &queue.Message{Body: []byte(fmt.Sprint(i))}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		confirmedIDs(ctx, t, s, n)
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
		r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
		defer r.Close()
		got := map[string]bool{}
		dups := 0
		for len(got) < n {
			d := receive(t, ctx, r)
			if got[string(d.Message.Body)] {
				dups++
			}
			got[string(d.Message.Body)] = true
			d.Ack()
		}
		t.Logf("%s: %d messages, %d duplicates after 2 cuts", b.Name, n, dups)
	})
}

// TestBrokerReceiverSurvivesConnectionCuts: after a cut the Receiver
// reconnects and subscribes again; what was not acked comes back.
func TestBrokerReceiverSurvivesConnectionCuts(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		ctx := testCtx(t)
		dest := testQueue("rcuts")
		bodies(t, ctx, b, dest, "1", "2", "3")
		p := kindtest.NewProxy(t, b.Addr)
		u, err := ParseURI("stomp://" + p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReceiver(ctx, u, brokerOpts(b), SubscribeOptions{Destination: dest, Prefetch: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		d := expectBody(t, ctx, r, "1")
		if err := d.Ack(); err != nil {
			t.Fatal(err)
		}
		expectBody(t, ctx, r, "2") // not acked
		p.Cut()
		// Deliveries buffered before the cut may still arrive; "2" must come
		// back (redelivered) and "3" follow; nothing is lost.
		seen := map[string]int{}
		for seen["2"] < 1 || seen["3"] < 1 {
			d := receive(t, ctx, r)
			seen[string(d.Message.Body)]++
			if err := d.Ack(); err != nil && !errors.Is(err, ErrConnectionLost) {
				t.Fatal(err)
			}
		}
		if seen["1"] > 0 {
			t.Fatalf("acked message redelivered: %v", seen)
		}
	})
}

func TestBrokerUnknownVirtualHost(t *testing.T) {
	b := brokertest.RabbitSTOMP(t) // ActiveMQ accepts any host header
	u, _ := ParseURI("failover:(" + b.URI + ")?maxReconnectAttempts=0")
	opts := brokerOpts(b)
	opts.VirtualHost = "bricks-no-such-vhost"
	_, err := Dial(testCtx(t), u, opts)
	var be *BrokerError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), b.Addr) {
		t.Fatalf("want a refused CONNECT naming %s, got %v", b.Addr, err)
	}
	t.Logf("RabbitMQ says: %v", err)
}

// TestBrokerHeartBeatsKeepAnIdleConnection: both brokers honour a 500 ms
// heart-beat both ways; an idle connection stays up for several periods
// (a broker that stopped beating would fail it, see TestSilentBrokerIsDetected).
func TestBrokerHeartBeatsKeepAnIdleConnection(t *testing.T) {
	forEachBroker(t, func(t *testing.T, b brokertest.Broker) {
		opts := brokerOpts(b)
		opts.HeartBeatSend, opts.HeartBeatRecv = 500*time.Millisecond, 500*time.Millisecond
		c, err := Dial(testCtx(t), brokerURI(t, b), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		send, recv := c.HeartBeats()
		if send <= 0 || recv <= 0 {
			t.Fatalf("heart-beats not negotiated: send %v recv %v", send, recv)
		}
		select {
		case <-c.Done():
			t.Fatalf("idle connection failed: %v", c.Err())
		case <-time.After(4 * recv):
		}
	})
}

func TestBrokerSubscribeRefused(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	u, _ := ParseURI("failover:(" + b.URI + ")?maxReconnectAttempts=0")
	_, err := NewReceiver(testCtx(t), u, brokerOpts(b), SubscribeOptions{Destination: "/no-such-kind/x"})
	if err == nil || !strings.Contains(err.Error(), b.Addr) || !strings.Contains(err.Error(), "/no-such-kind/x") {
		t.Fatalf("want a subscribe error naming the broker and destination, got %v", err)
	}
	t.Logf("RabbitMQ says: %v", err)
}

// TestBrokerRabbitMQRefusesAMissingExchange: RabbitMQ answers a SEND to a
// missing exchange with an ERROR naming no receipt and closes the
// connection; the Sender rejects that message and delivers the others.
func TestBrokerRabbitMQRefusesAMissingExchange(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	ctx := testCtx(t)
	dest := testQueue("poison")
	s, err := NewSender(ctx, brokerURI(t, b), brokerOpts(b), SenderOptions{Window: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{dest, "/exchange/bricks-no-such-exchange/k", dest} {
		if err := s.Send(ctx, fmt.Sprint(i), d, &queue.Message{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	results := map[string]error{}
	for len(results) < 3 {
		r := <-s.Results()
		results[r.ID] = r.Err
	}
	if results["0"] != nil || results["2"] != nil || results["1"] == nil || !strings.Contains(results["1"].Error(), "not_found") {
		t.Fatalf("results %v", results)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t, ctx, b, SubscribeOptions{Destination: dest})
	defer r.Close()
	got := map[string]bool{}
	for len(got) < 2 {
		d := receive(t, ctx, r)
		got[string(d.Message.Body)] = true
		d.Ack()
	}
	if !got["0"] || !got["2"] {
		t.Fatalf("received %v", got)
	}
}
