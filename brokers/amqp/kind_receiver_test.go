package amqp_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// TestKindReceiverRejects has a downstream stage Reject one message: the
// receiver rejects it on RabbitMQ, which drops it (a release would requeue
// it at the head of the queue). The others are confirmed, hence accepted.
// A marker sent afterwards through a fresh tree must then be the only
// message left on the queue.
//
// The tree is stopped only once nothing can still be in flight, otherwise
// the test measures a race instead of the receiver: the receiver has
// `count: n-1` (the rejection does not count), so it stops by itself right
// after settling the last answer (a stop by the supervisor would jump
// ahead of answers still in its mailbox: they would be dropped and their
// messages redelivered), and the source queue must be empty (the
// queue.reader removes a message only when the sender's Confirm reaches
// it; one still on its way when the reader stops leaves the message in
// the source, and the fresh tree would send it again, before the marker).
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
	run, ev := kindtest.RunTree(t, fmt.Sprintf(`
name: rejects
strategy: rest_for_one
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: amqp.receiver
    restart: transient
    with: {uri: %q, auth: %s, destination: %q, to: stage, count: %d}
  - name: sender
    kind: amqp.sender
    with: {uri: %q, auth: %s, destination: %q}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, poll: 20ms}
`, script, p.uri, p.auth, p.address, n-1, p.uri, p.auth, p.address, p.src))
	kindtest.WaitUntil(t, "the receiver stopped after its count", func() bool { return ev.Stopped("receiver") == 1 })
	if got := count(); got != n {
		t.Fatalf("the stage saw %d distinct messages before the receiver stopped, want %d", got, n)
	}
	kindtest.WaitUntil(t, "the source queue emptied", func() bool { return kindtest.Count(t, p.src) == 0 })
	if err := run.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// What is left on the queue, up to a marker sent now.
	marker := kindtest.Message(n) // seq n
	kindtest.Fill(t, p.src, marker)
	kindtest.RunTree(t, p.yaml())
	kindtest.WaitUntil(t, "the marker arrived", func() bool { return kindtest.Read(t, p.dst)[n] != nil })
	var left []int // seq of every message but the marker, repeats included
	for seq, ms := range kindtest.Read(t, p.dst) {
		for range ms {
			if seq != n {
				left = append(left, seq)
			}
		}
	}
	if len(left) != 0 {
		slices.Sort(left)
		t.Errorf("left on the queue before the marker: %d messages, seq %v (seq 1 released instead of rejected? accepted messages given back?)", len(left), left)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["1"] != 1 {
		t.Errorf("the rejected message was delivered %d times, want once", seen["1"])
	}
}

// TestKindReceiverWindow has a downstream stage hold what it receives and
// answer it only once it holds `window` messages, and then after a pause
// that leaves the receiver time to overstep: the receiver, with a prefetch
// of 40, must never have more than `window` (4) messages unanswered
// downstream, and every message must still be Delivered exactly once.
func TestKindReceiverWindow(t *testing.T) {
	forKindBrokers(t, func(t *testing.T, kb kindBroker, b brokertest.Broker) {
		kindtest.CheckLeaks(t)
		p := newKindPipeline(t, kb, b)
		const n, window = 40, 4
		var mu sync.Mutex
		var held []*queue.Deliver
		var heldFrom []*actor.PID
		maxHeld, total, unanswered := 0, 0, 0
		script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
			mu.Lock()
			defer mu.Unlock()
			held, heldFrom = append(held, d), append(heldFrom, ctx.Sender())
			total++
			unanswered++
			maxHeld = max(maxHeld, unanswered)
			if len(held) < window && total < n {
				return
			}
			ds, from := held, heldFrom
			held, heldFrom = nil, nil
			self := ctx.Self()
			sys := ctx.ActorSystem()
			time.AfterFunc(20*time.Millisecond, func() {
				mu.Lock()
				unanswered -= len(ds)
				mu.Unlock()
				for i, d := range ds {
					sys.Root.RequestWithCustomSender(from[i], &queue.Confirm{ID: d.ID}, self)
				}
			})
		})
		kindtest.Fill(t, p.src, kindtest.Messages(n)...)
		kindtest.RunTree(t, fmt.Sprintf(`
name: window
strategy: rest_for_one
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: amqp.receiver
    restart: transient
    with: {uri: %q, auth: %s, destination: %q, to: stage, prefetch: %d, window: %d}
  - name: sender
    kind: amqp.sender
    with: {uri: %q, auth: %s, destination: %q}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, poll: 20ms}
`, script, p.uri, p.auth, p.address, n, window, p.uri, p.auth, p.address, p.src))
		kindtest.WaitUntil(t, "every message delivered", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return total >= n
		})
		mu.Lock()
		defer mu.Unlock()
		if maxHeld > window {
			t.Errorf("the stage held %d unanswered messages at once, want at most window = %d", maxHeld, window)
		}
		if total != n {
			t.Errorf("%d Delivers for %d messages", total, n)
		}
	})
}
