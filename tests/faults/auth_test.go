package faults

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// The backoff bound: within backoffWindow of its first refused connection,
// a stage makes at most maxAttempts connections. The schedules give fewer
// (the library's rounds at 0, 10, 30, 70 ... 2550 ms: 9; the tree's
// restarts at 0, 50, 150, 350 ... 2550 ms: 7); a hot loop makes hundreds.
// A slow machine only makes fewer: the bound cannot fail by noise.
const (
	backoffWindow = 3 * time.Second
	maxAttempts   = 12
)

// checkBackoff waits until the proxy has seen three connections from the
// one numbered from, and the window after it has passed, then asserts the
// bound.
func checkBackoff(t *testing.T, p *proxy, from int) {
	t.Helper()
	kindtest.WaitUntil(t, "three refused connection attempts", func() bool { return p.count() >= from+3 })
	kindtest.WaitUntil(t, "the backoff window passed", func() bool { return p.since(from) > backoffWindow })
	if n := p.countWithin(from, backoffWindow); n > maxAttempts {
		t.Errorf("%d connection attempts within %s of the first refused one: a hot reconnect loop (at most %d expected)", n, backoffWindow, maxAttempts)
	} else {
		t.Logf("%d connection attempts within %s of the first refused one (bound %d)", n, backoffWindow, maxAttempts)
	}
}

// wrongPassword returns the sender's `with:` for broker b through proxy p,
// with a wrong password.
func wrongPassword(t testing.TB, proto, uri string, b brokertest.Broker) string {
	with := fmt.Sprintf(`uri: %q, auth: {scheme: plain, name: %q, pass: not-the-password}, destination: %q`,
		uri, b.Login, unique(t, "/queue/"))
	if b.VirtualHost != "" && proto == "stomp" {
		with += fmt.Sprintf(", virtual_host: %q", b.VirtualHost)
	}
	return with
}

// stompBrokers are the real STOMP brokers of the wrong-password tests.
var stompBrokers = []struct {
	name string
	get  func(testing.TB) brokertest.Broker
}{{"RabbitMQ", brokertest.RabbitSTOMP}, {"ActiveMQ", brokertest.ActiveMQSTOMP}}

// TestWrongPasswordAtStart starts a sender stage with a wrong password
// against the real brokers, through a counting proxy. A stage must be
// connected to be ready, so the tree does not start (OTP: a child that
// cannot start aborts its supervisor's start). A refused login is never
// retried inside the library: it stays wrong until someone fixes it, and
// the supervisor's restarts are the retry (see TestWrongPasswordWhileRunning).
// So Start fails at once, after one single connection, with the login
// error naming the broker and its refusal (STOMP: *stomp.LoginError;
// AMQP: *amqp.AuthError, naming the user too), and the source keeps every
// message.
func TestWrongPasswordAtStart(t *testing.T) {
	for _, sb := range stompBrokers {
		t.Run(sb.name+"-STOMP", func(t *testing.T) {
			b := sb.get(t)
			kindtest.CheckLeaks(t)
			p := newProxy(t, b.Addr, nil)
			err := startRefused(t, p, "stomp", b, "stomp://"+p.addr(), "refused CONNECT")
			var le *stomp.LoginError
			if !errors.As(err, &le) {
				t.Errorf("Start: %v\nwant a *stomp.LoginError", err)
			}
		})
	}
	t.Run("RabbitMQ-AMQP", func(t *testing.T) {
		b := brokertest.RabbitAMQP(t)
		kindtest.CheckLeaks(t)
		p := newProxy(t, b.Addr, nil)
		startRefused(t, p, "amqp", b,
			fmt.Sprintf("broker amqp://%s refused SASL PLAIN authentication as %q", p.addr(), b.Login))
	})
}

// startRefused fills the source of a proto pipeline whose sender logs in
// to broker b through p with a wrong password, and starts it: Start must
// fail with an error saying every one of wants, after one connection,
// leaving the 10 messages in the source. It returns Start's error.
func startRefused(t *testing.T, p *proxy, proto string, b brokertest.Broker, wants ...string) error {
	t.Helper()
	pl := newPipeline(t, proto, wrongPassword(t, proto, proto+"://"+p.addr(), b), "")
	pl.fill(t, 10)
	_, _, err := startTree(t, pl.yaml(), time.Minute)
	if err == nil {
		t.Fatal("the tree started with a wrong password")
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start: %v\nwant an error saying %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("Start: %v\nshows the password", err)
	}
	if n := p.count(); n != 1 {
		t.Errorf("%d connection attempts, want 1: a refused login must not be retried", n)
	}
	if got := kindtest.Count(t, pl.src); got != 10 {
		t.Errorf("the source holds %d messages, want 10", got)
	}
	t.Logf("Start: %v", err)
	return err
}

// TestWrongPasswordWhileRunning makes a running STOMP sender stage meet a
// refused CONNECT, as when the broker's credentials change under it: its
// first connection goes to the embedded broker (which accepts anyone),
// then the connection is cut and every later one goes to the real broker,
// which refuses the password. The library does not retry a refused login,
// whatever the URI's maxReconnectAttempts (unlimited by default, or 0):
// the stage fails with a *stomp.LoginError at its first refused
// reconnection, and its supervisor's backoff spaces the restarts, whose
// failures name the broker and its refusal. The tree stays up.
func TestWrongPasswordWhileRunning(t *testing.T) {
	for _, sb := range stompBrokers {
		for _, retry := range []bool{true, false} {
			name := sb.name
			if !retry {
				name += "-no-retry"
			}
			t.Run(name, func(t *testing.T) {
				b := sb.get(t)
				kindtest.CheckLeaks(t)
				permissive := startEmbedded(t, "127.0.0.1:0").Addr().String()
				var self atomic.Pointer[proxy] // set before the first connection
				p := newProxy(t, b.Addr, func(n int) func(net.Conn) {
					if n == 0 {
						return self.Load().forwardTo(permissive)
					}
					return nil
				})
				self.Store(p)
				uri := "stomp://" + p.addr()
				if !retry {
					uri = "failover:(" + uri + ")?maxReconnectAttempts=0"
				}
				pl := newPipeline(t, "stomp", wrongPassword(t, "stomp", uri, b), "")
				_, rec := runTree(t, pl.yaml())
				p.cut()
				checkBackoff(t, p, 1)
				broker := "stomp://" + p.addr()
				kindtest.WaitUntil(t, "a failed restart", func() bool { return len(rec.startFailures("sender")) > 0 })
				// The first failed restart and, when the library may
				// reconnect, the running stage's failure (with
				// maxReconnectAttempts=0, that is the cut connection).
				errs := rec.startFailures("sender")[:1]
				if f := rec.failures("sender"); len(f) == 0 {
					t.Error("the running stage did not fail")
				} else if retry {
					errs = append(errs, f[0])
				}
				var le *stomp.LoginError
				for _, err := range errs {
					if !errors.As(err, &le) {
						t.Errorf("want a *stomp.LoginError, got %v", err)
					}
					if !strings.Contains(err.Error(), broker) || !strings.Contains(err.Error(), "refused CONNECT") {
						t.Errorf("the failure does not name the broker %s and its refusal: %v", broker, err)
					}
				}
				t.Logf("stage restarts %d, failed restarts %d: %v", len(rec.failures("sender")), len(rec.startFailures("sender")),
					rec.startFailures("sender")[0])
			})
		}
	}
}
