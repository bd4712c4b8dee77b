package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// The backoff bound: within backoffWindow of its first connection, a stage
// that keeps being refused makes at most maxAttempts connections. The
// schedules give fewer (the library's rounds at 0, 10, 30, 70 ... 2550 ms:
// 9; the tree's restarts at 0, 50, 150, 350 ... 2550 ms: 7); a hot loop
// makes hundreds. A slow machine only makes fewer: the bound cannot fail
// by noise.
const (
	backoffWindow = 3 * time.Second
	maxAttempts   = 12
)

// checkBackoff waits until the stage has been refused at least three times
// and the window has passed, then asserts the bound.
func checkBackoff(t *testing.T, p *proxy) {
	t.Helper()
	kindtest.WaitUntil(t, "three connection attempts", func() bool { return p.count() >= 3 })
	kindtest.WaitUntil(t, "the backoff window passed", func() bool { return p.countWithin(backoffWindow) < p.count() })
	if n := p.countWithin(backoffWindow); n > maxAttempts {
		t.Errorf("%d connection attempts within %s of the first: a hot reconnect loop (at most %d expected)", n, backoffWindow, maxAttempts)
	} else {
		t.Logf("%d connection attempts within %s of the first (bound %d)", n, backoffWindow, maxAttempts)
	}
}

// TestWrongPassword runs a sender stage with a wrong password against the
// real brokers (through a counting proxy) and checks that the refusal is
// reported with the broker's address and the broker's reason, that retries
// are spaced by a backoff, that the tree stays up, and that the source
// queue keeps every message.
//
// A STOMP stage with a plain URI retries inside the library forever (a
// password can be fixed on the broker side), logging each refusal; with
// maxReconnectAttempts=0 it fails at once and its supervisor restarts it
// with the tree's backoff. An AMQP stage never retries a refused login
// (*AuthError): it fails, and the supervisor's backoff spaces the restarts.
func TestWrongPassword(t *testing.T) {
	for _, tc := range []struct {
		name   string
		broker func(testing.TB) brokertest.Broker
		proto  string
		uri    func(addr string) string
		// refusal is what the broker's refusal says, in our words.
		refusal string
		// fails: the stage fails (rather than retrying inside).
		fails bool
	}{
		{"RabbitMQ-STOMP", brokertest.RabbitSTOMP, "stomp", plainSTOMP, "refused CONNECT", false},
		{"RabbitMQ-STOMP-no-retry", brokertest.RabbitSTOMP, "stomp", noRetrySTOMP, "refused CONNECT", true},
		{"ActiveMQ-STOMP", brokertest.ActiveMQSTOMP, "stomp", plainSTOMP, "refused CONNECT", false},
		{"ActiveMQ-STOMP-no-retry", brokertest.ActiveMQSTOMP, "stomp", noRetrySTOMP, "refused CONNECT", true},
		{"RabbitMQ-AMQP", brokertest.RabbitAMQP, "amqp", func(a string) string { return "amqp://" + a }, "refused SASL PLAIN", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.broker(t)
			kindtest.CheckLeaks(t)
			p := newProxy(t, b.Addr, nil)
			with := fmt.Sprintf(`uri: %q, auth: {scheme: plain, name: %q, pass: not-the-password}, destination: %q`,
				tc.uri(p.addr()), b.Login, unique(t, "/queue/"))
			if b.VirtualHost != "" && tc.proto == "stomp" {
				with += fmt.Sprintf(", virtual_host: %q", b.VirtualHost)
			}
			pl := newPipeline(t, tc.proto, with, "")
			const n = 10
			pl.fill(t, n)
			_, rec := runTree(t, pl.yaml())
			checkBackoff(t, p)
			broker := tc.proto + "://" + p.addr()
			if tc.fails {
				kindtest.WaitUntil(t, "the sender failed", func() bool { return len(rec.failures("sender")) > 0 })
				err := rec.failures("sender")[0]
				if msg := err.Error(); !strings.Contains(msg, broker) || !strings.Contains(msg, tc.refusal) {
					t.Errorf("the failure does not name the broker %s and its refusal %q: %v", broker, tc.refusal, err)
				}
				t.Logf("stage failure: %v", err)
			} else {
				lines := rec.logLines(broker, tc.refusal)
				if len(lines) == 0 {
					t.Errorf("no log line names the broker %s and its refusal %q", broker, tc.refusal)
				} else {
					t.Logf("logged: %s", lines[0])
				}
			}
			if got := kindtest.Count(t, pl.src); got != n {
				t.Errorf("the source holds %d messages, want all %d", got, n)
			}
		})
	}
}

// plainSTOMP is the URI users write: one address, default reconnection.
func plainSTOMP(addr string) string { return "stomp://" + addr }

// noRetrySTOMP gives up after one failed round: the stage fails.
func noRetrySTOMP(addr string) string {
	return "failover:(stomp://" + addr + ")?maxReconnectAttempts=0"
}
