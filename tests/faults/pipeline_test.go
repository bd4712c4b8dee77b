package faults

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
)

// pipeline is a transfer queue -> PROTO.sender -> broker -> PROTO.receiver
// -> queue, run as one rest_for_one tree listed sinks first, so that a
// failed stage is restarted with every stage feeding it and the source
// offers its unconfirmed messages again.
type pipeline struct {
	proto    string // "stomp" or "amqp"
	src, dst string // directory queues
	// sender and receiver are the `with:` of the broker stages, YAML flow
	// style without braces (uri, auth, destination...).
	sender, receiver string
	window           int
}

func newPipeline(t testing.TB, proto, sender, receiver string) *pipeline {
	dir := t.TempDir()
	return &pipeline{proto: proto, src: filepath.Join(dir, "in"), dst: filepath.Join(dir, "out"),
		sender: sender, receiver: receiver, window: 100}
}

// yaml renders the tree; a stage without its `with:` is left out.
func (p *pipeline) yaml() string {
	y := fmt.Sprintf(`
name: faults
strategy: rest_for_one
intensity: 1000
period: 10s
backoff: {min: 50ms, max: 1s}
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
`, p.dst)
	if p.receiver != "" {
		y += fmt.Sprintf(`  - name: receiver
    kind: %s.receiver
    with: {%s, to: writer, prefetch: %d}
`, p.proto, p.receiver, p.window)
	}
	if p.sender != "" {
		y += fmt.Sprintf(`  - name: sender
    kind: %s.sender
    with: {%s, window: %d}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, window: %d, poll: 20ms}
`, p.proto, p.sender, p.window, p.src, p.window)
	}
	return y
}

// fill adds messages 0..n-1 to the source and returns the element names
// by seq.
func (p *pipeline) fill(t testing.TB, n int) map[string]int {
	t.Helper()
	q := kindtest.OpenDQS(t, p.src)
	names := make(map[string]int, n)
	for i, m := range kindtest.Messages(n) {
		name, err := q.AddMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		names[name] = i
	}
	return names
}

// left returns the seqs whose elements are still in the source.
func (p *pipeline) left(t testing.TB, names map[string]int) map[int]bool {
	t.Helper()
	left := map[int]bool{}
	for name, err := range kindtest.OpenDQS(t, p.src).Names() {
		if err != nil {
			t.Fatal(err)
		}
		left[names[name]] = true
	}
	return left
}

// unique returns a queue name unique to the test and the run (the private
// ActiveMQ keeps its queues across runs).
func unique(t testing.TB, prefix string) string {
	return prefix + "bricks-faults-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}
