package stomp_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/stomptest"
)

// pipeline describes a transfer queue -> stomp.sender -> broker ->
// stomp.receiver -> queue, run as one rest_for_one tree.
type pipeline struct {
	src, dst    string // directory queues
	uri         string
	senderURI   string // when set, the sender's (uri is the receiver's)
	destination string
	connection  string // extra connection fields, YAML flow style ("auth: {...}, ")
	window      int
}

func newPipeline(t *testing.T, uri, destination string) *pipeline {
	dir := t.TempDir()
	return &pipeline{src: filepath.Join(dir, "in"), dst: filepath.Join(dir, "out"),
		uri: uri, destination: destination, window: 50}
}

// tree is the pipeline as a kindtest.Pipeline.
func (p *pipeline) tree() *kindtest.Pipeline {
	senderURI := p.uri
	if p.senderURI != "" {
		senderURI = p.senderURI
	}
	return &kindtest.Pipeline{Name: "stomppipe", Src: p.src, Dst: p.dst, Window: p.window,
		Receiver: kindtest.Stage{Kind: "stomp.receiver", With: fmt.Sprintf("uri: %q, %sdestination: %q, to: writer, prefetch: %d, heartbeat: 1s",
			p.uri, p.connection, p.destination, p.window)},
		Sender: kindtest.Stage{Kind: "stomp.sender", With: fmt.Sprintf("uri: %q, %sdestination: %q, window: %d, heartbeat: 1s",
			senderURI, p.connection, p.destination, p.window)}}
}

// TestKindPipelineEmbedded moves 2000 messages (text, binary with NUL
// bytes, escaped and unicode headers) through the embedded broker and checks
// that each arrives exactly once, byte-identical, and that nothing is left
// in the source queue or in the broker.
func TestKindPipelineEmbedded(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv := startBroker(t, embedded.Options{})
	p := newPipeline(t, "stomp://"+srv.Addr().String(), "/queue/kindtest")
	const n = 2000
	if dups, _ := p.tree().Transfer(t, n, nil); dups != 0 {
		t.Errorf("%d duplicates without any failure", dups)
	}
	if d := srv.QueueDepth("/queue/kindtest"); d != 0 {
		t.Errorf("broker queue still holds %d messages", d)
	}
}

// TestKindPipelineRealBrokers runs the same transfer through RabbitMQ and
// ActiveMQ.
func TestKindPipelineRealBrokers(t *testing.T) {
	for _, tc := range []struct {
		name string
		find func(testing.TB) brokertest.Broker
	}{{"RabbitMQ", brokertest.RabbitSTOMP}, {"ActiveMQ", brokertest.ActiveMQSTOMP}} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.find(t)
			kindtest.CheckLeaks(t)
			p := newPipeline(t, b.URI, stomptest.Unique("/queue/", "kind"))
			p.connection = connectionYAML(b)
			const n = 2000
			if dups, _ := p.tree().Transfer(t, n, nil); dups != 0 {
				t.Errorf("%d duplicates without any failure", dups)
			}
		})
	}
}

// TestKindPipelineConnectionCut cuts every broker connection of the sender
// and the receiver several times during a transfer: the library reconnects,
// the sender resends what was unconfirmed and the broker redelivers what was
// unacknowledged. Every message must arrive; duplicates are allowed.
func TestKindPipelineConnectionCut(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv := startBroker(t, embedded.Options{})
	proxy := kindtest.NewProxy(t, srv.Addr().String())
	p := newPipeline(t, "stomp://"+proxy.Addr(), "/queue/kindcut")
	const n = 2000
	const cuts = 3
	dups, fails := p.tree().Transfer(t, n, func(*kindtest.Events) {
		for i := range cuts {
			proxy.Cut()
			if i < cuts-1 { // let the pipeline make progress before the next cut
				done := kindtest.Count(t, p.dst)
				kindtest.WaitUntil(t, "progress after a cut", func() bool { return kindtest.Count(t, p.dst) >= min(done+100, n) })
			}
		}
	})
	t.Logf("%d messages, %d cuts, %d duplicates, stage failures: sender %d, receiver %d",
		n, cuts, dups, fails.Failed("sender"), fails.Failed("receiver"))
}

// TestKindPipelineBrokerRestart stops the embedded broker (dir storage)
// mid-transfer, with reconnection attempts so limited that the stages give
// up: the receiver fails, and keeps failing to start, until the broker is
// started again on the same port with the messages it had stored. Its
// supervisor restarts it together with the stages after it; the reader
// offers its unconfirmed messages again and the broker redelivers what was
// not acknowledged. Nothing may be lost.
func TestKindPipelineBrokerRestart(t *testing.T) {
	kindtest.CheckLeaks(t)
	dir := t.TempDir()
	o := embedded.Options{Storage: embedded.StorageDir, Dir: filepath.Join(dir, "broker")}
	srv := startBroker(t, o)
	addr := srv.Addr().String()
	uri := fmt.Sprintf("failover:(stomp://%s)?maxReconnectAttempts=1&initialReconnectDelay=10", addr)
	p := newPipeline(t, uri, "/queue/kindrestart")
	const n = 2000
	dups, fails := p.tree().Transfer(t, n, func(fails *kindtest.Events) {
		if err := srv.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		kindtest.WaitUntil(t, "the receiver failed", func() bool { return fails.Failed("receiver") > 0 })
		o.Addr = addr
		startBroker(t, o)
	})
	t.Logf("%d messages, %d duplicates after a broker restart; receiver failures: %d", n, dups, fails.Failed("receiver"))
}

// TestKindPipelineSenderFails makes the broker unreachable for the sender
// only (its connections go through a proxy that goes down) until the
// sender gives up reconnecting and fails: the supervisor restarts it with
// the reader (rest_for_one), which offers its unconfirmed messages again
// once the proxy is back. Nothing may be lost.
func TestKindPipelineSenderFails(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv := startBroker(t, embedded.Options{})
	proxy := kindtest.NewProxy(t, srv.Addr().String())
	p := newPipeline(t, "stomp://"+srv.Addr().String(), "/queue/kindsenderfails")
	// The sender alone goes through the proxy, and gives up quickly.
	p.senderURI = fmt.Sprintf("failover:(%s)?maxReconnectAttempts=1&initialReconnectDelay=10", "stomp://"+proxy.Addr())
	const n = 2000
	dups, fails := p.tree().Transfer(t, n, func(fails *kindtest.Events) {
		proxy.Down()
		kindtest.WaitUntil(t, "the sender failed", func() bool { return fails.Failed("sender") > 0 })
		proxy.Up(t)
	})
	t.Logf("%d messages, %d duplicates; sender failures %d, receiver failures %d", n, dups, fails.Failed("sender"), fails.Failed("receiver"))
	if r := fails.Failed("receiver"); r != 0 {
		t.Errorf("the receiver failed %d times; only the sender's broker connection was down", r)
	}
}
