package amqp

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

func TestConnectionRefused(t *testing.T) {
	addr := kindtest.RefusedAddr(t)
	u, err := ParseURI("failover:(amqp://" + addr + ")?maxReconnectAttempts=2&initialReconnectDelay=5")
	if err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	o := Options{Logger: testLogger, after: func(d time.Duration) <-chan time.Time {
		delays = append(delays, d)
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}}
	_, err = Dial(context.Background(), u, o)
	if err == nil || !containsAll(err.Error(), "amqp://"+addr, "refused") {
		t.Fatalf("err = %v, want connection refused naming the broker", err)
	}
	if want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond}; !slicesEqual(delays, want) {
		t.Errorf("backoff delays %v, want %v", delays, want)
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDialContextCancelled checks an unlimited failover loop ends with ctx.
func TestDialContextCancelled(t *testing.T) {
	u, err := ParseURI("failover:(amqp://" + kindtest.RefusedAddr(t) + ")?initialReconnectDelay=1&maxReconnectDelay=5")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Dial(ctx, u, Options{Logger: testLogger})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
}

// TestFailover checks a refused first address falls over to a live broker.
func TestFailover(t *testing.T) {
	bt := brokertest.QpidAMQP(t)
	c := dialAddr(t, "failover:(amqp://"+kindtest.RefusedAddr(t)+","+bt.URI+")?maxReconnectAttempts=0", options(bt))
	if c.Addr().HostPort() != bt.Addr {
		t.Fatalf("connected to %s, want %s", c.Addr(), bt.Addr)
	}
}

// TestGarbageServer checks peers that do not speak AMQP give errors naming
// the broker, not panics or hangs.
func TestGarbageServer(t *testing.T) {
	cases := map[string]func(net.Conn){
		"http": func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		},
		"closes": func(c net.Conn) {},
		"random bytes": func(c net.Conn) {
			_, _ = c.Write([]byte("AMQP\x03\x01\x00\x00\xff\xff\xff\xff\x02\x01\x00\x00garbage garbage garbage"))
			_, _ = io.Copy(io.Discard, c)
		},
		"amqp header then garbage frame": func(c net.Conn) {
			_, _ = c.Write([]byte("AMQP\x00\x01\x00\x00\x00\x00\x00\x10\x02\x00\x00\x00\xde\xad\xbe\xef\x00\x00\x00\x00"))
			_, _ = io.Copy(io.Discard, c)
		},
		"silent": func(c net.Conn) { _, _ = io.Copy(io.Discard, c) },
	}
	for name, serve := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			addr := kindtest.Serve(t, serve)
			_, err := DialURI(context.Background(), "amqp://"+addr,
				Options{Logger: testLogger, ConnectTimeout: 500 * time.Millisecond, SASL: SASL{Username: "u", Password: "p"}})
			if err == nil || !strings.Contains(err.Error(), addr) {
				t.Fatalf("err = %v, want an error naming %s", err, addr)
			}
			t.Log(err)
		})
	}
}

// TestWrongPassword checks RabbitMQ's refusal is an *AuthError naming the
// broker and user, and that Dial does not retry it.
func TestWrongPassword(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	o := options(bt)
	o.SASL.Password = "wrong"
	_, err := DialURI(context.Background(), "failover:("+bt.URI+")", o)
	var ae *AuthError
	if !errors.As(err, &ae) || !containsAll(err.Error(), bt.URI, `"guest"`, "PLAIN") {
		t.Fatalf("err = %v, want an AuthError naming %s and the user", err, bt.URI)
	}
	t.Log(err)
}

// TestAnonymousRefused checks a broker offering no ANONYMOUS is an AuthError.
func TestAnonymousRefused(t *testing.T) {
	bt := brokertest.QpidAMQP(t)
	o := options(bt)
	o.SASL = SASL{Username: "guest", Password: "guest"} // Qpid offers ANONYMOUS only
	_, err := DialURI(context.Background(), bt.URI, o)
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an AuthError", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		sasl SASL
		tls  TLSOptions
		want string
	}{
		{SASL{Mechanism: "plain"}, TLSOptions{}, "missing username"},
		{SASL{Mechanism: "EXTERNAL"}, TLSOptions{}, "client certificate"},
		{SASL{Mechanism: "CRAM-MD5"}, TLSOptions{}, "unknown mechanism"},
	} {
		_, err := DialURI(context.Background(), "amqp://127.0.0.1:1", Options{SASL: tc.sasl, TLS: tc.tls})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.sasl, err, tc.want)
		}
	}
	o := Options{}.withDefaults()
	if o.SASL.Mechanism != SASLAnonymous {
		t.Errorf("default mechanism %q", o.SASL.Mechanism)
	}
	if o := (Options{SASL: SASL{Username: "u"}}).withDefaults(); o.SASL.Mechanism != SASLPlain {
		t.Errorf("mechanism with a username %q", o.SASL.Mechanism)
	}
}

// TestTLSHandshakeFailure checks amqps:// to a plain AMQP port fails with
// a TLS error naming the broker.
func TestTLSHandshakeFailure(t *testing.T) {
	bt := brokertest.QpidAMQP(t)
	o := options(bt)
	o.ConnectTimeout = 2 * time.Second
	_, err := DialURI(context.Background(), "amqps://"+bt.Addr, o)
	if err == nil || !strings.Contains(err.Error(), "amqps://"+bt.Addr) {
		t.Fatalf("err = %v, want an error naming amqps://%s", err, bt.Addr)
	}
	t.Log(err)
}

// TestCloseNeverHangs closes links and connections whose broker went
// silent mid-connection (a frozen proxy): Close must return, bounded by
// CloseTimeout, and report nothing worse than a timeout.
func TestCloseNeverHangs(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		p := newProxy(t, bt.Addr)
		o := options(bt)
		o.CloseTimeout = 300 * time.Millisecond
		o.WriteTimeout = time.Second
		c := dialAddr(t, p.URI(), o)
		s, err := c.NewSender(ctx, q, SenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s2, err := c.NewSender(ctx, q, SenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Freeze()
		err = s.Close()
		t.Logf("sender close on a silent broker: %v", err)
		err = r.Close()
		t.Logf("receiver close on a silent broker: %v", err)
		// s2 is closed by the connection.
		err = c.Close()
		t.Logf("conn close on a silent broker: %v", err)
		if _, ok := <-s2.Confirmations(); ok {
			t.Error("s2 not closed by Conn.Close")
		}
		if err := s2.Send(ctx, "x", queue.NewText("x", nil)); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after Close = %v, want ErrClosed", err)
		}
	})
}

// TestCloseLive checks Close on a healthy connection is clean on both
// brokers (RabbitMQ never answers a link detach: sessions are ended instead).
func TestCloseLive(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		ctx := testCtx(t)
		q := b.queue(t)
		c := dial(t, bt)
		s, err := c.NewSender(ctx, q, SenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); !closeErrOK(b, err) {
			t.Errorf("sender close: %v", err)
		}
		if err := r.Close(); !closeErrOK(b, err) {
			t.Errorf("receiver close: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("conn close: %v", err)
		}
		if err := c.Err(); err != ErrClosed {
			t.Errorf("Err after Close = %v", err)
		}
		if _, err := c.NewSender(ctx, q, SenderOptions{}); err == nil {
			t.Error("NewSender after Close succeeded")
		}
	})
}

// TestRabbitVirtualHost checks the open hostname selects RabbitMQ's vhost:
// the default one works, an unknown one is refused naming the broker.
func TestRabbitVirtualHost(t *testing.T) {
	bt := brokertest.RabbitAMQP(t)
	o := options(bt)
	o.HostName = "vhost:/"
	dialAddr(t, bt.URI, o)
	o.HostName = "vhost:bricks-no-such-vhost"
	c, err := DialURI(context.Background(), bt.URI, o)
	if err == nil {
		// RabbitMQ 3.10 opens the connection and refuses the session.
		defer c.Close()
		_, err = c.NewSender(context.Background(), "/queue/x", SenderOptions{})
	}
	if err == nil || !strings.Contains(err.Error(), bt.URI) {
		t.Fatalf("err = %v, want an error naming %s", err, bt.URI)
	}
	t.Log(err)
}

// TestIdleTimeout checks a broker that goes silent is declared dead after
// the idle timeout, and the error names it.
func TestIdleTimeout(t *testing.T) {
	forBrokers(t, func(t *testing.T, b broker, bt brokertest.Broker) {
		p := newProxy(t, bt.Addr)
		o := options(bt)
		o.IdleTimeout = time.Second
		c := dialAddr(t, p.URI(), o)
		p.Freeze()
		select {
		case <-c.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("silent broker not detected")
		}
		if err := c.Err(); err == nil || err == ErrClosed || !containsAll(err.Error(), p.ln.Addr().String(), "idle timeout") {
			t.Fatalf("Err = %v, want a failure naming the broker", err)
		}
		t.Log(c.Err())
	})
}
