package apps

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// TestTransferRealBrokers runs queue → broker → queue through the real
// brokers tests/brokers/start.sh provides (skipped, or failed under
// CI=true, when one is missing): the transfer app picks stomp.* or amqp.*
// from the URI and moves every message exactly once.
func TestTransferRealBrokers(t *testing.T) {
	for _, c := range []struct {
		name string
		get  func(testing.TB) brokertest.Broker
		auth func(b brokertest.Broker) string
		dest func(name string) string
	}{
		{"rabbitmq-stomp", brokertest.RabbitSTOMP, stompAuth, func(n string) string { return "/queue/" + n }},
		{"activemq-stomp", brokertest.ActiveMQSTOMP, stompAuth, func(n string) string { return "/queue/" + n }},
		{"qpid-amqp", brokertest.QpidAMQP, func(brokertest.Broker) string { return "auth: {scheme: anonymous}" },
			func(n string) string { return n }},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := c.get(t)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			const n = 20
			fill(t, in, n)
			dest := c.dest(fmt.Sprintf("bricks-apps-%s-%d", c.name, time.Now().UnixNano()))
			broker := fmt.Sprintf("{uri: %q, destination: %q, %s}", b.URI, dest, c.auth(b))
			runTree(t, "real.yaml", fmt.Sprintf(`
name: real
children:
  - name: out
    app: transfer
    from: {queue: {path: %s}}
    to: {broker: %s}
    loop: false
  - name: back
    app: transfer
    from: {broker: %s}
    to: {queue: {path: %s}}
    count: %d
`, in, broker, broker, out, n))
			seen := map[string]bool{}
			for _, m := range drain(t, out) {
				if seen[m.Header["seq"]] || string(m.Body) != "body "+m.Header["seq"] {
					t.Errorf("unexpected or repeated message %v", m)
				}
				seen[m.Header["seq"]] = true
			}
			if len(seen) != n || count(t, in) != 0 {
				t.Errorf("%d of %d messages arrived, %d left at the source", len(seen), n, count(t, in))
			}
		})
	}
}

func stompAuth(b brokertest.Broker) string {
	return fmt.Sprintf("auth: {scheme: plain, name: %q, pass: %q}, virtual_host: %q", b.Login, b.Passcode, b.VirtualHost)
}
