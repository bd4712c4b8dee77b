package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// end is one end of a transfer node: a directory queue or a broker
// destination.
type end struct {
	queue string // DQS directory, or "" for a broker
	tgt   kindtest.Target
	b     brokertest.Broker
	dest  string
}

func queueEnd(dir string) end { return end{queue: dir} }

// brokerEnd is a fresh queue on the target's broker, b its endpoint.
func brokerEnd(t *testing.T, tgt kindtest.Target, b brokertest.Broker) end {
	return end{tgt: tgt, b: b, dest: tgt.Prepare(t, kindtest.QueueName(t, "bricks-e2e"))}
}

// yaml renders e as the `from:` or `to:` of a transfer node.
func (e end) yaml() string {
	if e.queue != "" {
		return fmt.Sprintf("{queue: {path: %q}}", e.queue)
	}
	return fmt.Sprintf("{broker: {%s, destination: %q}}", e.tgt.Connection(e.b), e.dest)
}

// hop is one transfer node of a tree.
type hop struct {
	name     string
	from, to end
	rules    rules
	extra    string // more keys of the node, YAML block lines indented by 4
}

// treeYAML renders the hops as children of one supervisor.
func treeYAML(name string, hops ...hop) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nchildren:\n", name)
	for _, h := range hops {
		fmt.Fprintf(&b, "  - name: %s\n    app: transfer\n    from: %s\n    to: %s\n    backoff: {min: 50ms, max: 1s}\n",
			h.name, h.from.yaml(), h.to.yaml())
		if h.rules.yaml != "" {
			fmt.Fprintf(&b, "    headers: %s\n", h.rules.yaml)
		}
		b.WriteString(h.extra)
	}
	return b.String()
}

// transfer fills src with messages 0..n-1, runs the tree of hops until src
// is drained and n messages are in dst, and checks them against rs (the
// rules of every hop, in order). It logs how long it took.
func transfer(t *testing.T, src, dst string, hops ...hop) {
	t.Helper()
	n := total()
	kindtest.Fill(t, src, messages(n)...)
	start := time.Now()
	kindtest.RunTree(t, treeYAML("e2e", hops...))
	waitUntil(t, "the source drained", func() bool { return kindtest.Count(t, src) == 0 })
	waitUntil(t, "every message arrived", func() bool { return kindtest.Count(t, dst) >= n })
	took := time.Since(start)
	var rs []rules
	for _, h := range hops {
		rs = append(rs, h.rules)
	}
	dups := check(t, dst, n, rs...)
	if q := kindtest.Quarantined(t, src); len(q) != 0 {
		t.Errorf("%d elements moved aside at the source: %v", len(q), q[:min(len(q), 3)])
	}
	t.Logf("%d messages in %s (%.0f msg/s), %d duplicates", n, took.Round(time.Millisecond), float64(n)/took.Seconds(), dups)
}

// waitUntil is kindtest.WaitUntil polling every 200ms: counting a queue of
// 10,000 elements reads its directories, which would otherwise take the
// CPU from the transfer it waits for.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	kindtest.WaitUntil(t, what, func() bool {
		time.Sleep(200 * time.Millisecond)
		return cond()
	})
}

// dirs returns the source and destination directory queues of a test.
func dirs(t *testing.T) (src, dst string) {
	d := t.TempDir()
	return filepath.Join(d, "src"), filepath.Join(d, "dst")
}

// TestQueueToQueue moves the messages between two directory queues with
// every kind of header rule in one stage.
func TestQueueToQueue(t *testing.T) {
	kindtest.CheckLeaks(t)
	src, dst := dirs(t)
	transfer(t, src, dst, hop{name: "q2q", from: queueEnd(src), to: queueEnd(dst), rules: allInOne})
}

// TestThroughBroker runs, on every broker endpoint, a queue→broker
// transfer (which sets headers) feeding a broker→queue transfer (which
// templates one), in one tree: the broker is filled by the first and read
// by the second, and what arrives must be what was sent, rewritten.
func TestThroughBroker(t *testing.T) {
	for _, tgt := range kindtest.Targets() {
		t.Run(tgt.Name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			b := tgt.Endpoint(t)
			src, dst := dirs(t)
			mid := brokerEnd(t, tgt, b)
			transfer(t, src, dst,
				hop{name: "outbox", from: queueEnd(src), to: mid, rules: setRelay},
				hop{name: "inbox", from: mid, to: queueEnd(dst), rules: templateSubject})
		})
	}
}

// TestBrokerToBroker relays between two brokers: queue→A, A→B (deleting
// headers, the broker's own among them), B→queue.
func TestBrokerToBroker(t *testing.T) {
	for _, c := range []struct{ a, b kindtest.Target }{
		{kindtest.RabbitSTOMPTarget, kindtest.ActiveMQSTOMPTarget},
		{kindtest.RabbitAMQPTarget, kindtest.QpidAMQPTarget},
		{kindtest.EmbeddedTarget, kindtest.RabbitSTOMPTarget},
	} {
		t.Run(c.a.Name+"-to-"+c.b.Name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			ea, eb := c.a.Endpoint(t), c.b.Endpoint(t)
			src, dst := dirs(t)
			a, b := brokerEnd(t, c.a, ea), brokerEnd(t, c.b, eb)
			transfer(t, src, dst,
				hop{name: "outbox", from: queueEnd(src), to: a, rules: setRelay},
				hop{name: "relay", from: a, to: b, rules: deleteNote},
				hop{name: "inbox", from: b, to: queueEnd(dst), rules: templateSubject})
		})
	}
}
