package stomp_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// numbered returns n text messages with "seq" headers 0..n-1.
func numbered(n int) []*queue.Message {
	out := make([]*queue.Message, n)
	for i := range out {
		out[i] = queue.NewText("m"+strconv.Itoa(i), map[string]string{"seq": strconv.Itoa(i)})
	}
	return out
}

// TestKindReceiverCount: with count 5 the receiver delivers five messages,
// stops normally once they are confirmed, and leaves the others on the
// broker (those it had received are redelivered when it disconnects).
func TestKindReceiverCount(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv := startBroker(t, embedded.Options{})
	uri := "stomp://" + srv.Addr().String()
	sendDirect(t, uri, "/queue/kindcount", stomp.Options{}, numbered(10)...)
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
	srv := startBroker(t, embedded.Options{})
	uri := "stomp://" + srv.Addr().String()
	msgs := numbered(5)
	msgs[2].Header["poison"] = "yes"
	sendDirect(t, uri, "/queue/kindnack", stomp.Options{}, msgs...)

	var mu sync.Mutex
	var confirmed []string
	redelivered := 0
	script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		mu.Lock()
		defer mu.Unlock()
		if d.Message.Header["poison"] == "" {
			confirmed = append(confirmed, d.Message.Header["seq"])
			queue.Answer(ctx, ctx.Sender(), d.ID, nil)
			return
		}
		if d.Message.Header["redelivered"] == "true" {
			redelivered++
		}
		queue.Answer(ctx, ctx.Sender(), d.ID, fmt.Errorf("poison"))
	})
	run, _ := kindtest.RunTree(t, fmt.Sprintf(`
name: nack
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: stomp.receiver
    with: {uri: %q, destination: /queue/kindnack, to: stage}
`, script, uri))
	kindtest.WaitUntil(t, "the rejected message came back", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return redelivered > 0 && len(confirmed) == 4
	})
	if err := run.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
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
			srv := startBroker(t, embedded.Options{})
			uri := "stomp://" + srv.Addr().String()
			sendDirect(t, uri, "/queue/kindack", stomp.Options{}, numbered(10)...)
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
			run, _ := kindtest.RunTree(t, fmt.Sprintf(`
name: ackmodes
children:
  - name: stage
    kind: kindtest.script
    with: {script: %q}
  - name: receiver
    kind: stomp.receiver
    with: {uri: %q, destination: /queue/kindack, to: stage, ack: %s}
`, script, uri, tc.ack))
			kindtest.WaitUntil(t, "nine messages confirmed", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return confirmed == 9
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
