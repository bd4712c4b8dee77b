package faults

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// restartSignals are the ways a broker process is stopped mid-transfer:
// the graceful stop, then the crash.
var restartSignals = []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL}

// restartable is a private broker the tests stop and start.
type restartable interface {
	addr() string
	stop(sig syscall.Signal)
	start()
}

// restartMidTransfer fills p's source with n messages and runs its tree;
// once a third has arrived it stops the broker b with sig and starts it
// again, then waits until the source has drained and every message has
// arrived. It returns what arrived, how many had arrived before the stop,
// how long the transfer took and the record of the tree.
func restartMidTransfer(t *testing.T, p *pipeline, b restartable, sig syscall.Signal, n int) (got map[int][]*queue.Message, before int, took time.Duration, rec *recorder) {
	t.Helper()
	p.fill(t, n)
	t0 := time.Now()
	_, rec = runTree(t, p.yaml())
	kindtest.WaitUntil(t, "a third of the messages arrived", func() bool { return kindtest.Count(t, p.dst) >= n/3 })
	before = kindtest.Count(t, p.dst)
	b.stop(sig)
	b.start()
	kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
	kindtest.WaitUntil(t, "every message arrived", func() bool { return len(kindtest.Read(t, p.dst)) >= n })
	return kindtest.Read(t, p.dst), before, time.Since(t0), rec
}

// TestSTOMPBrokerRestart moves 10,000 messages queue -> stomp.sender ->
// broker -> stomp.receiver -> queue and stops the broker process (SIGTERM;
// then SIGKILL) and starts it again once a third has arrived, on a private
// ActiveMQ and a private RabbitMQ. Nobody intervenes: the stages reconnect
// (or fail and are restarted) by themselves. Every message must arrive,
// unchanged; duplicates are allowed (at-least-once) and logged.
func TestSTOMPBrokerRestart(t *testing.T) {
	for _, br := range []struct {
		name         string
		start        func(testing.TB) restartable
		login, vhost string
	}{
		{"ActiveMQ", func(t testing.TB) restartable { return privateActiveMQ(t) }, "admin", "localhost"},
		{"RabbitMQ", func(t testing.TB) restartable { return privateRabbitMQ(t) }, "guest", "/"},
	} {
		t.Run(br.name, func(t *testing.T) {
			b := br.start(t)
			for _, sig := range restartSignals {
				t.Run(signalName(sig), func(t *testing.T) {
					kindtest.CheckLeaks(t)
					conn := fmt.Sprintf(`uri: "stomp://%s", auth: {scheme: plain, name: %s, pass: %s}, `+
						`virtual_host: %q, heartbeat: 1s, destination: %q`, b.addr(), br.login, br.login, br.vhost, unique(t, "/queue/"))
					const n = 10000
					got, before, took, rec := restartMidTransfer(t, newPipeline(t, "stomp", conn, conn), b, sig, n)
					dups := kindtest.CheckArrived(t, got, n)
					t.Logf("STOMP/%s %s: %d messages in %s, broker stopped after %d arrived: %d duplicates; "+
						"stage restarts: sender %d, receiver %d; failed restarts: sender %d, receiver %d; "+
						"reconnections logged: sender %d, receiver %d",
						br.name, signalName(sig), n, took.Round(100*time.Millisecond), before, dups,
						len(rec.failures("sender")), len(rec.failures("receiver")),
						len(rec.startFailures("sender")), len(rec.startFailures("receiver")),
						len(rec.logLines("stomp sender lost its connection")), len(rec.logLines("receiver", "reconnect")))
				})
			}
		})
	}
}

// TestAMQPBrokerRestart moves 10,000 messages queue -> amqp.sender ->
// private Qpid -> amqp.receiver -> queue and stops the broker process
// (SIGTERM; then SIGKILL) and starts it again once a third has arrived.
// Qpid's example broker keeps its queues in memory, so the messages it held
// when it died are gone with it: that is the broker's loss, not ours. What
// is checked is the sender side: every message whose element was still in
// the source queue once the sender had failed (i.e. not confirmed by the
// dead broker) must arrive through the restarted broker, the source must
// drain, and nothing may change on the way. The messages the dead broker
// had confirmed and not yet handed out are counted and logged.
func TestAMQPBrokerRestart(t *testing.T) {
	for _, sig := range restartSignals {
		t.Run(signalName(sig), func(t *testing.T) {
			kindtest.CheckLeaks(t)
			q := privateQpid(t, qpidAddr)
			conn := fmt.Sprintf(`uri: "amqp://%s", auth: {scheme: anonymous}, heartbeat: 2s, destination: %q`,
				q.addr, unique(t, ""))
			p := newPipeline(t, "amqp", conn, conn)
			const n = 10000
			names := p.fill(t, n)
			t0 := time.Now()
			_, rec := runTree(t, p.yaml())
			kindtest.WaitUntil(t, "a third of the messages arrived", func() bool { return kindtest.Count(t, p.dst) >= n/3 })
			failed := rec.stageFailures()
			q.stop(sig)
			// Once a broker stage has failed, the reader was restarted with
			// it (rest_for_one: the reader comes after both): what is left
			// in the source is what the dead broker never confirmed, and
			// must all be sent again.
			kindtest.WaitUntil(t, "a broker stage failed", func() bool { return rec.stageFailures() > failed })
			left := p.left(t, names)
			q.start()
			kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
			kindtest.WaitUntil(t, "every unconfirmed message arrived", func() bool {
				got := kindtest.Read(t, p.dst)
				for seq := range left {
					if len(got[seq]) == 0 {
						return false
					}
				}
				return true
			})
			got := kindtest.Read(t, p.dst)
			lost := 0
			for i := range n {
				if len(got[i]) == 0 && !left[i] {
					// Confirmed by the dead broker, gone with its memory:
					// stand in the original so CheckArrived checks the rest.
					lost++
					got[i] = []*queue.Message{kindtest.Message(i)}
				}
			}
			dups := kindtest.CheckArrived(t, got, n)
			t.Logf("AMQP/Qpid %v: %d messages in %s, %d unconfirmed when the broker died (all arrived), "+
				"%d lost with the broker's memory (confirmed before it died), %d duplicates; "+
				"stage restarts: sender %d, receiver %d; failed starts: sender %d, receiver %d",
				signalName(sig), n, time.Since(t0).Round(100*time.Millisecond), len(left), lost, dups,
				len(rec.failures("sender")), len(rec.failures("receiver")),
				len(rec.startFailures("sender")), len(rec.startFailures("receiver")))
		})
	}
}

// TestAMQPRabbitMQRestart is TestSTOMPBrokerRestart for AMQP 1.0: 10,000
// messages queue -> amqp.sender -> private RabbitMQ (a durable queue,
// durable messages) -> amqp.receiver -> queue, the broker stopped (SIGTERM;
// then SIGKILL) and started again once a third has arrived. A plain AMQP
// address is tried once, so the stages fail and are restarted by their
// supervisor with its backoff until the broker is back. Every message must
// arrive, unchanged; duplicates are counted and logged.
func TestAMQPRabbitMQRestart(t *testing.T) {
	b := privateRabbitMQ(t)
	for _, sig := range restartSignals {
		t.Run(signalName(sig), func(t *testing.T) {
			kindtest.CheckLeaks(t)
			name := unique(t, "")
			b.declareQueue(name)
			conn := fmt.Sprintf(`uri: "amqp://%s", auth: {scheme: plain, name: guest, pass: guest}, heartbeat: 2s, destination: %q`,
				b.amqpAddr(), "/amq/queue/"+name)
			const n = 10000
			got, before, took, rec := restartMidTransfer(t, newPipeline(t, "amqp", conn, conn), b, sig, n)
			dups := kindtest.CheckArrived(t, got, n)
			early := 0 // duplicates among the messages that had arrived before the stop (roughly: by seq)
			for i := range before {
				early += max(len(got[i])-1, 0)
			}
			t.Logf("AMQP/RabbitMQ %s: %d messages in %s, broker stopped after %d arrived: %d duplicates (%d of seq < %d); "+
				"stage restarts: sender %d, receiver %d; failed restarts: sender %d, receiver %d",
				signalName(sig), n, took.Round(100*time.Millisecond), before, dups, early, before,
				len(rec.failures("sender")), len(rec.failures("receiver")),
				len(rec.startFailures("sender")), len(rec.startFailures("receiver")))
		})
	}
}
