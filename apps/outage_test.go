package apps

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// TestBrokerOutage: the broker goes away in the middle of a transfer and
// comes back; the transfers reconnect or restart in-process (stompclt
// would have exited) and every message arrives.
func TestBrokerOutage(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 40
	q, err := queue.Open("dqs", in)
	if err != nil {
		t.Fatal(err)
	}
	add := func(from, to int) {
		for i := from; i <= to; i++ {
			if _, err := q.AddMessage(queue.NewText(fmt.Sprintf("body %d", i), map[string]string{"seq": fmt.Sprint(i)})); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(1, n/2)
	port := freePort(t)
	tr, err := supervision.LoadBytes("outage.yaml", []byte(fmt.Sprintf(`
name: o
children:
  - name: broker
    kind: stomp.broker
    with: {listen: "127.0.0.1:%[1]d", storage: dir, dir: %[2]s}
  - name: out
    app: transfer
    from: {queue: {path: %[3]s, poll: 50ms}}
    to: {broker: {uri: "stomp://127.0.0.1:%[1]d", destination: /queue/outage, connect_timeout: 1s}}
    backoff: {min: 50ms, max: 200ms}
    intensity: 100
  - name: back
    app: transfer
    from: {broker: {uri: "stomp://127.0.0.1:%[1]d", destination: /queue/outage, connect_timeout: 1s}}
    to: {queue: {path: %[4]s}}
    backoff: {min: 50ms, max: 200ms}
    intensity: 100
`, port, filepath.Join(dir, "broker"), in, out)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Stop(context.Background()) }()
	arrived := func() map[string]bool {
		seen := map[string]bool{}
		for _, m := range drainUnlocked(t, out) {
			seen[m.Header["seq"]] = true
		}
		return seen
	}
	waitFor(t, "first messages", func() bool { return len(arrived()) >= 5 })
	ctx := context.Background()
	if err := r.TerminateChild(ctx, "o/broker"); err != nil {
		t.Fatal(err)
	}
	add(n/2+1, n)
	time.Sleep(300 * time.Millisecond) // let the transfers notice and restart at least once
	if err := r.RestartChild(ctx, "o/broker"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every message", func() bool { return len(arrived()) == n })
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
}

// drainUnlocked reads the messages of a DQS queue that nobody holds
// locked (the transfer is still running).
func drainUnlocked(t *testing.T, dir string) []*queue.Message {
	return readQueue(t, dir, func(_ string, ok bool, err error) bool { return err == nil && ok })
}

// waitFor polls cond until it holds; the bound only keeps a broken test
// from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
