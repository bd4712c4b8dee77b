package stomp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// numbered returns n text messages with "seq" headers 0..n-1.
func numbered(n int) []*queue.Message {
	out := make([]*queue.Message, n)
	for i := range out {
		out[i] = queue.NewText("m"+strconv.Itoa(i), map[string]string{"seq": strconv.Itoa(i)})
	}
	return out
}

// scriptTree is a tree named name: a stomp.receiver with the `with:`
// fields with (YAML flow style, without the braces) Delivering to a
// kindtest.script stage that runs script. The receiver is transient: with
// `count` it ends normally, for good.
func scriptTree(name, script, with string) string {
	return fmt.Sprintf(`
name: %s
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: stomp.receiver
    restart: transient
    with: {%s, to: stage}
`, name, script, with)
}

// brokerWith starts an embedded broker holding msgs on dest, and returns
// it with its URI.
func brokerWith(t *testing.T, dest string, msgs ...*queue.Message) (*embedded.Server, string) {
	t.Helper()
	srv := startBroker(t, embedded.Options{})
	uri := "stomp://" + srv.Addr().String()
	sendDirect(t, uri, dest, stomp.Options{}, msgs...)
	return srv, uri
}

// poisoned marks msgs[i] with a "poison" header, for a poisonStage to
// reject, and returns msgs.
func poisoned(msgs []*queue.Message, i int) []*queue.Message {
	msgs[i].Header["poison"] = "yes"
	return msgs
}

// poisonStage scripts a kindtest.script stage that rejects the messages
// with a "poison" header and confirms the others.
type poisonStage struct {
	script      string
	mu          sync.Mutex
	confirmed   []string // "seq" headers, in order
	redelivered int      // poison messages marked redelivered
}

func newPoisonStage(t *testing.T) *poisonStage {
	p := &poisonStage{}
	p.script = kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if d.Message.Header["poison"] == "" {
			p.confirmed = append(p.confirmed, d.Message.Header["seq"])
			queue.Answer(ctx, ctx.Sender(), d.ID, nil)
			return
		}
		if d.Message.Header["redelivered"] == "true" {
			p.redelivered++
		}
		queue.Answer(ctx, ctx.Sender(), d.ID, fmt.Errorf("poison"))
	})
	return p
}

// state returns a copy of what the stage confirmed, and how many
// redelivered poison messages it saw.
func (p *poisonStage) state() ([]string, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.confirmed), p.redelivered
}

// TestKindReceiverCount: with count 5 the receiver delivers five messages,
// stops normally once they are confirmed, and leaves the others on the
// broker (those it had received are redelivered when it disconnects).
func TestKindReceiverCount(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv, uri := brokerWith(t, "/queue/kindcount", numbered(10)...)
	dst := filepath.Join(t.TempDir(), "out")
	_, events := kindtest.RunTree(t, fmt.Sprintf(`
name: count
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
  - name: receiver
    kind: stomp.receiver
    restart: transient
    with: {uri: %q, destination: /queue/kindcount, to: writer, count: 5}
`, dst, uri))
	kindtest.WaitUntil(t, "the receiver stopped", func() bool { return events.Stopped("receiver") == 1 })
	kindtest.WaitUntil(t, "the broker took back the unacknowledged messages", func() bool { return srv.QueueDepth("/queue/kindcount") == 5 })
	got := kindtest.Read(t, dst)
	if len(got) != 5 {
		t.Fatalf("%d messages stored, want 5", len(got))
	}
	for i := range 5 {
		if len(got[i]) != 1 {
			t.Errorf("message %d stored %d times, want once (the first five, in order)", i, len(got[i]))
		}
	}
}

// TestKindReceiverRejectNacks: a message the next stage rejects is NACKed,
// which the embedded broker answers by redelivering it (marked
// redelivered); the other messages are confirmed and acknowledged.
func TestKindReceiverRejectNacks(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv, uri := brokerWith(t, "/queue/kindnack", poisoned(numbered(5), 2)...)

	stage := newPoisonStage(t)
	run, _ := kindtest.RunTree(t, scriptTree("nack", stage.script, fmt.Sprintf("uri: %q, destination: /queue/kindnack", uri)))
	kindtest.WaitUntil(t, "the rejected message came back", func() bool {
		confirmed, redelivered := stage.state()
		return redelivered > 0 && len(confirmed) == 4
	})
	if err := run.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	confirmed, _ := stage.state()
	slices.Sort(confirmed)
	if want := []string{"0", "1", "3", "4"}; !slices.Equal(confirmed, want) {
		t.Errorf("confirmed %v, want %v (each once)", confirmed, want)
	}
	if d := srv.QueueDepth("/queue/kindnack"); d != 1 {
		t.Errorf("the broker holds %d messages, want only the rejected one", d)
	}
}

// TestKindReceiverAckModes: the next stage never answers message 0 and
// confirms the nine others. In client-individual mode those nine are
// acknowledged; in client mode an ACK would also acknowledge message 0, so
// the receiver must acknowledge nothing: after the tree stops, the broker
// still holds all ten.
func TestKindReceiverAckModes(t *testing.T) {
	for _, tc := range []struct {
		ack  string
		left int
	}{{"client-individual", 1}, {"client", 10}} {
		t.Run(tc.ack, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			srv, uri := brokerWith(t, "/queue/kindack", numbered(10)...)
			var mu sync.Mutex
			confirmed := 0
			script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
				if d.Message.Header["seq"] == "0" {
					return // held forever
				}
				mu.Lock()
				confirmed++
				mu.Unlock()
				queue.Answer(ctx, ctx.Sender(), d.ID, nil)
			})
			run, _ := kindtest.RunTree(t, scriptTree("ackmodes", script,
				fmt.Sprintf("uri: %q, destination: /queue/kindack, ack: %s", uri, tc.ack)))
			kindtest.WaitUntil(t, "nine messages confirmed", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return confirmed == 9
			})
			// Wait until the broker has applied the acknowledgements the
			// mode allows (client-individual: the nine; client: none, since
			// the held first message blocks a cumulative ACK), so the check
			// after the stop is about what the stop did.
			kindtest.WaitUntil(t, "the broker applied the allowed acknowledgements", func() bool {
				return srv.QueueDepth("/queue/kindack") == tc.left
			})
			// Stopping writes the acknowledgements already decided, then
			// disconnects: the broker requeues the rest.
			if err := run.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if d := srv.QueueDepth("/queue/kindack"); d != tc.left {
				t.Errorf("the broker holds %d messages after the stop, want %d", d, tc.left)
			}
		})
	}
}

// TestKindReceiverCountAfterReject: with count 3, a message the next stage
// rejects does not count: the receiver Delivers one more in its place, and
// stops normally once three messages are confirmed, leaving the rejected
// one and the rest on the broker.
func TestKindReceiverCountAfterReject(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv, uri := brokerWith(t, "/queue/kindcountreject", poisoned(numbered(6), 1)...)
	stage := newPoisonStage(t)
	_, events := kindtest.RunTree(t, scriptTree("countreject", stage.script,
		fmt.Sprintf("uri: %q, destination: /queue/kindcountreject, count: 3", uri)))
	kindtest.WaitUntil(t, "the receiver stopped", func() bool { return events.Stopped("receiver") == 1 })
	kindtest.WaitUntil(t, "the broker took back the rest", func() bool { return srv.QueueDepth("/queue/kindcountreject") == 3 })
	if confirmed, _ := stage.state(); !slices.Equal(confirmed, []string{"0", "2", "3"}) {
		t.Errorf("confirmed %v, want [0 2 3] (arrival order, the rejected one replaced by the next)", confirmed)
	}
}

// TestKindReceiverAutoAckBacklog: with ack: auto and a broker-side
// prefetch (the prefetch-count header, which the embedded broker reads
// first) larger than the receiver's own, the embedded broker pushes its
// backlog before the RECEIPT of the SUBSCRIBE; the receiver must take it
// all, in order. It used to deadlock: the connection's reader blocked on
// the full delivery buffer while the subscribe waited for the RECEIPT
// behind those messages, until the subscribe timeout lost them.
func TestKindReceiverAutoAckBacklog(t *testing.T) {
	kindtest.CheckLeaks(t)
	const n = 250
	srv := startBroker(t, embedded.Options{})
	uri := "stomp://" + srv.Addr().String()
	msgs := numbered(n)
	for i := 0; i < n; i += 50 { // sendDirect reads its results at the end
		sendDirect(t, uri, "/queue/kindauto", stomp.Options{}, msgs[i:i+50]...)
	}
	var mu sync.Mutex
	var seqs []string
	script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		mu.Lock()
		seqs = append(seqs, d.Message.Header["seq"])
		mu.Unlock()
		queue.Answer(ctx, ctx.Sender(), d.ID, nil)
	})
	kindtest.RunTree(t, scriptTree("autoack", script,
		fmt.Sprintf("uri: %q, destination: /queue/kindauto, ack: auto, prefetch: 10, headers: {prefetch-count: '1000'}", uri)))
	kindtest.WaitUntil(t, "every message confirmed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seqs) == n
	})
	for i, s := range seqs {
		if s != strconv.Itoa(i) {
			t.Fatalf("message %d has seq %s: order lost", i, s)
		}
	}
	if d := srv.QueueDepth("/queue/kindauto"); d != 0 {
		t.Errorf("the broker still holds %d messages", d)
	}
}

// TestKindReceiverSubscribeTimeoutFailsTheStage: a broker that takes the
// SUBSCRIBE and never answers it (heart-beats off, so nothing else would
// notice) makes the stage fail after subscribe_timeout once reconnection
// is exhausted (it used to wait for ever), with an error naming the broker
// and the destination.
func TestKindReceiverSubscribeTimeoutFailsTheStage(t *testing.T) {
	kindtest.CheckLeaks(t)
	addr := kindtest.Serve(t, func(nc net.Conn) { // CONNECTED, then silence whatever comes
		br := bufio.NewReader(nc)
		if _, err := br.ReadBytes(0); err == nil {
			io.WriteString(nc, "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00")
			io.Copy(io.Discard, br)
		}
	})
	script := kindtest.Script(t, func(actor.Context, *queue.Deliver) {})
	uri := "failover:(stomp://" + addr + ")?maxReconnectAttempts=0"
	tree, err := supervision.LoadBytes("swallowed.yaml", []byte(scriptTree("swallowed", script,
		fmt.Sprintf("uri: %q, destination: /queue/swallowed, heartbeat: 0s, subscribe_timeout: 100ms", uri))))
	if err != nil {
		t.Fatal(err)
	}
	log := kindtest.Log()
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log })))
	defer sys.Shutdown()
	// The receiver signals ready once subscribed: here it never is, and
	// the tree fails to start, saying why.
	run, err := supervision.Start(t.Context(), tree, supervision.WithLogger(log), supervision.WithActorSystem(sys))
	if err == nil {
		run.Stop(context.Background())
		t.Fatal("the tree started although the broker never confirmed the SUBSCRIBE")
	}
	for _, want := range []string{addr, "subscribe /queue/swallowed", "subscribe timeout (100ms)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start error %q does not contain %q", err, want)
		}
	}
}

// TestKindReceiverWrongPassword: RabbitMQ refuses the login. Like the
// sender, the receiver does not retry it inside the library: after one
// connection the stage fails (here the start fails) with a
// *stomp.LoginError naming the broker and the destination, without the
// password.
func TestKindReceiverWrongPassword(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	kindtest.CheckLeaks(t)
	script := kindtest.Script(t, func(actor.Context, *queue.Deliver) {})
	checkWrongPassword(t, scriptTree("wrongpass", script,
		fmt.Sprintf("uri: %q, auth: {name: %q, pass: wrong-secret}, virtual_host: %q, destination: /queue/wrongpass",
			b.URI, b.Login, b.VirtualHost)), "stomp receiver "+b.URI+" /queue/wrongpass")
}
