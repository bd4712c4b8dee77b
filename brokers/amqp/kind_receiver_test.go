package amqp_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// TestKindReceiverRejects has a downstream stage Reject one message: the
// receiver rejects it on RabbitMQ, which drops it (a release would requeue
// it at the head of the queue). The others are confirmed, hence accepted.
// A marker sent afterwards through a fresh tree must then be the only
// message left on the queue.
func TestKindReceiverRejects(t *testing.T) {
	kb := kindBrokers[0] // RabbitMQ: Qpid's example broker forgets messages once sent anyway
	b := kb.get(t)
	kindtest.CheckLeaks(t)
	p := newKindPipeline(t, kb, b)
	const n = 20
	var mu sync.Mutex
	seen := map[string]int{}
	script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		mu.Lock()
		seen[d.Message.Header["seq"]]++
		mu.Unlock()
		if d.Message.Header["seq"] == "1" {
			queue.Answer(ctx, ctx.Sender(), d.ID, errors.New("refused by the test"))
			return
		}
		queue.Answer(ctx, ctx.Sender(), d.ID, nil)
	})
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}

	kindtest.Fill(t, p.src, kindtest.Messages(n)...)
	run, _ := kindtest.RunTree(t, fmt.Sprintf(`
name: rejects
strategy: rest_for_one
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: amqp.receiver
    with: {uri: %q, auth: %s, destination: %q, to: stage}
  - name: sender
    kind: amqp.sender
    with: {uri: %q, auth: %s, destination: %q}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, poll: 20ms}
`, script, p.uri, p.auth, p.address, p.uri, p.auth, p.address, p.src))
	kindtest.WaitUntil(t, "every message seen downstream", func() bool { return count() == n })
	if err := run.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// What is left on the queue, up to a marker sent now.
	marker := kindtest.Message(n) // seq n
	kindtest.Fill(t, p.src, marker)
	kindtest.RunTree(t, p.yaml())
	kindtest.WaitUntil(t, "the marker arrived", func() bool { return kindtest.Read(t, p.dst)[n] != nil })
	left := kindtest.Read(t, p.dst)
	if len(left) != 1 {
		t.Errorf("left on the queue before the marker: %d messages (seq 1 released instead of rejected?)", len(left)-1)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["1"] != 1 {
		t.Errorf("the rejected message was delivered %d times, want once", seen["1"])
	}
}
