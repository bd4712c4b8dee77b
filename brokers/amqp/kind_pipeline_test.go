package amqp_test

import (
	"cmp"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// kindBroker is an AMQP broker the kind tests run against.
type kindBroker struct {
	name string
	get  func(testing.TB) brokertest.Broker
	// address returns the link address of a fresh, empty queue.
	address func(tb testing.TB) string
	// auth is the `auth:` field, YAML flow style.
	auth func(b brokertest.Broker) string
}

var kindQueueSeq atomic.Int64

// kindQueueName is a queue name unique to the test and the run.
func kindQueueName(t testing.TB) string {
	r := strings.NewReplacer("/", "-", " ", "-", "=", "-")
	return fmt.Sprintf("bricks-amqpkind-%s-%d-%d", r.Replace(t.Name()), time.Now().UnixNano()%1e9, kindQueueSeq.Add(1))
}

var kindBrokers = []kindBroker{
	{name: "rabbitmq", get: brokertest.RabbitAMQP,
		address: func(tb testing.TB) string {
			q := kindQueueName(tb)
			amqp.DeclareRabbitQueue(tb, q) // /queue/ would declare it non-durable
			return "/amq/queue/" + q
		},
		auth: func(b brokertest.Broker) string {
			return fmt.Sprintf("{scheme: plain, name: %q, pass: %q}", b.Login, b.Passcode)
		}},
	{name: "qpid", get: brokertest.QpidAMQP,
		address: kindQueueName,
		auth:    func(brokertest.Broker) string { return "{scheme: anonymous}" }},
}

// forKindBrokers runs f as a subtest per broker (skipped, or failed under
// CI=true, when the broker is not running).
func forKindBrokers(t *testing.T, f func(t *testing.T, kb kindBroker, b brokertest.Broker)) {
	for _, kb := range kindBrokers {
		t.Run(kb.name, func(t *testing.T) { f(t, kb, kb.get(t)) })
	}
}

// kindPipeline is a transfer queue -> amqp.sender -> broker ->
// amqp.receiver -> queue, run as one rest_for_one tree.
type kindPipeline struct {
	src, dst  string // directory queues
	uri       string
	senderURI string // when set, the sender's (uri is the receiver's)
	auth      string
	address   string
	window    int
	count     int // the receiver's
}

func newKindPipeline(t testing.TB, kb kindBroker, b brokertest.Broker) *kindPipeline {
	dir := t.TempDir()
	return &kindPipeline{src: filepath.Join(dir, "in"), dst: filepath.Join(dir, "out"),
		uri: b.URI, auth: kb.auth(b), address: kb.address(t), window: 50}
}

// yaml renders the tree. The stages are listed sinks first, so that
// rest_for_one restarts a failed stage together with every stage feeding it.
func (p *kindPipeline) yaml() string {
	senderURI := cmp.Or(p.senderURI, p.uri)
	return fmt.Sprintf(`
name: amqppipe
strategy: rest_for_one
intensity: 100
period: 1s
backoff: {min: 20ms, max: 500ms}
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
  - name: receiver
    kind: amqp.receiver
    restart: transient
    with: {uri: %q, auth: %s, destination: %q, to: writer, prefetch: %d, count: %d, heartbeat: 2s}
  - name: sender
    kind: amqp.sender
    with: {uri: %q, auth: %s, destination: %q, window: %d, heartbeat: 2s}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, window: %d, poll: 20ms}
`, p.dst, p.uri, p.auth, p.address, 2*p.window, p.count, senderURI, p.auth, p.address, p.window, p.src, p.window)
}

// TestKindPipeline moves 2000 messages (text, binary with NUL bytes,
// unicode headers) from a queue through amqp.sender, the broker and
// amqp.receiver into another queue, on RabbitMQ and on Qpid, and checks that
// each arrives exactly once, byte-identical, with the source queue empty
// and nothing quarantined.
func TestKindPipeline(t *testing.T) {
	forKindBrokers(t, func(t *testing.T, kb kindBroker, b brokertest.Broker) {
		kindtest.CheckLeaks(t)
		p := newKindPipeline(t, kb, b)
		const n = 2000
		kindtest.Fill(t, p.src, kindtest.Messages(n)...)
		_, ev := kindtest.RunTree(t, p.yaml())
		kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
		kindtest.WaitUntil(t, "every message arrived", func() bool { return kindtest.Count(t, p.dst) >= n })
		if dups := kindtest.CheckArrived(t, kindtest.Read(t, p.dst), n); dups != 0 {
			t.Errorf("%d duplicates", dups)
		}
		if q := kindtest.Quarantined(t, p.src); len(q) != 0 {
			t.Errorf("%d messages quarantined, e.g. %s", len(q), q[0])
		}
		if f := ev.Failed("sender") + ev.Failed("receiver"); f != 0 {
			t.Logf("%d stage restarts (allowed, duplicates were not seen)", f)
		}
	})
}

// TestKindSenderRejects sends, between good messages, one that has no AMQP
// form (priority "high"): the sender Rejects it alone, the reader moves it
// aside with the reason, and the others go through.
func TestKindSenderRejects(t *testing.T) {
	forKindBrokers(t, func(t *testing.T, kb kindBroker, b brokertest.Broker) {
		kindtest.CheckLeaks(t)
		p := newKindPipeline(t, kb, b)
		bad := queue.NewText("bad priority", map[string]string{"seq": "bad", "priority": "high"})
		kindtest.Fill(t, p.src, kindtest.Message(0), bad, kindtest.Message(1), kindtest.Message(2))
		_, ev := kindtest.RunTree(t, p.yaml())
		kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
		kindtest.WaitUntil(t, "good messages arrived", func() bool { return kindtest.Count(t, p.dst) >= 3 })
		kindtest.CheckArrived(t, kindtest.Read(t, p.dst), 3)
		q := kindtest.Quarantined(t, p.src)
		if len(q) != 1 || !strings.Contains(q[0], "priority") {
			t.Errorf("quarantined reasons %q, want one naming the priority header", q)
		}
		if f := ev.Failed("sender"); f != 0 {
			t.Errorf("the sender failed %d times for a message it should have rejected", f)
		}
	})
}

// TestKindReceiverCount stops the receiver normally after `count` confirmed
// messages: exactly that many arrive, the rest stays on the broker (given
// back when the receiver closes), and a second receiver gets all of it.
func TestKindReceiverCount(t *testing.T) {
	// RabbitMQ only: Qpid's example broker forgets a message once sent, so
	// it has nothing to give back.
	kb := kindBrokers[0]
	t.Run(kb.name, func(t *testing.T) {
		b := kb.get(t)
		kindtest.CheckLeaks(t)
		p := newKindPipeline(t, kb, b)
		const n, count = 30, 10
		kindtest.Fill(t, p.src, kindtest.Messages(n)...)
		p.count = count
		_, ev := kindtest.RunTree(t, p.yaml())
		kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
		kindtest.WaitUntil(t, "the receiver stopped", func() bool { return ev.Stopped("receiver") > 0 })
		if got := kindtest.Count(t, p.dst); got != count {
			t.Errorf("%d messages arrived, want count = %d", got, count)
		}
		// The rest is still on the broker: drain it with another receiver.
		rest := filepath.Join(t.TempDir(), "rest")
		kindtest.RunTree(t, fmt.Sprintf(`
name: drain
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
  - name: receiver
    kind: amqp.receiver
    with: {uri: %q, auth: %s, destination: %q, to: writer}
`, rest, p.uri, p.auth, p.address))
		kindtest.WaitUntil(t, "the rest arrived", func() bool { return kindtest.Count(t, rest) >= n-count })
		all := kindtest.Read(t, p.dst)
		for seq, ms := range kindtest.Read(t, rest) {
			all[seq] = append(all[seq], ms...)
		}
		if dups := kindtest.CheckArrived(t, all, n); dups != 0 {
			t.Errorf("%d duplicates", dups)
		}
	})
}

// TestKindPipelineConnectionCut cuts the broker connections of the stages
// three times during a 2000-message transfer (RabbitMQ: the sender's and
// the receiver's; Qpid's example broker forgets a message once sent, so
// only the sender's there): each cut fails the stage, its supervisor
// restarts it with the stages feeding it, the reader offers its
// unconfirmed messages again and RabbitMQ redelivers what was not
// accepted. Every message must arrive, byte-identical; duplicates are
// allowed, and the source ends empty.
func TestKindPipelineConnectionCut(t *testing.T) {
	forKindBrokers(t, func(t *testing.T, kb kindBroker, b brokertest.Broker) {
		kindtest.CheckLeaks(t)
		p := newKindPipeline(t, kb, b)
		proxy := amqp.NewProxy(t, b.Addr)
		p.senderURI = proxy.URI()
		if kb.name == "rabbitmq" {
			p.uri = proxy.URI()
		}
		const n, cuts = 2000, 3
		kindtest.Fill(t, p.src, kindtest.Messages(n)...)
		_, ev := kindtest.RunTree(t, p.yaml())
		for i := range cuts {
			kindtest.WaitUntil(t, "progress before a cut", func() bool { return kindtest.Count(t, p.dst) >= (i+1)*n/(cuts+1) })
			proxy.Cut()
		}
		kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
		kindtest.WaitUntil(t, "every message arrived", func() bool { return len(kindtest.Read(t, p.dst)) >= n })
		dups := kindtest.CheckArrived(t, kindtest.Read(t, p.dst), n)
		// A receiver failure restarts the sender with it (rest_for_one)
		// before it notices its own cut: count the failures together.
		if ev.Failed("sender")+ev.Failed("receiver") == 0 {
			t.Error("no stage failed: the cuts did not reach the pipeline")
		}
		if q := kindtest.Quarantined(t, p.src); len(q) != 0 {
			t.Errorf("%d messages quarantined, e.g. %s", len(q), q[0])
		}
		t.Logf("%d messages, %d cuts, %d duplicates; failures: sender %d, receiver %d",
			n, cuts, dups, ev.Failed("sender"), ev.Failed("receiver"))
	})
}
