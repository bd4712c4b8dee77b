package apps

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
)

// TestTransferRealBrokers runs queue → broker → queue through the real
// brokers tests/brokers/start.sh provides and the embedded one (skipped,
// or failed under CI=true, when one is missing): the transfer app picks stomp.* or amqp.*
// from the URI and moves every message exactly once.
func TestTransferRealBrokers(t *testing.T) {
	for _, tg := range kindtest.Targets() {
		t.Run(tg.Name, func(t *testing.T) {
			b := tg.Endpoint(t)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			const n = 20
			fill(t, in, n)
			dest := tg.Prepare(t, kindtest.QueueName(t, "bricks-apps"))
			broker := fmt.Sprintf("{%s, destination: %q}", tg.Connection(b), dest)
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
