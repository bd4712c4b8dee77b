package udp

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// TestKindFromQueue: queue.reader → udp.sender sends every element as a
// datagram and removes it; the oversized one is quarantined, not lost.
func TestKindFromQueue(t *testing.T) {
	kindtest.CheckLeaks(t)
	l := listen(t)
	src := filepath.Join(t.TempDir(), "src")
	const n = 10
	msgs := kindtest.Messages(n)
	msgs = append(msgs, queue.NewBinary(make([]byte, 70000), map[string]string{"seq": "big"}))
	kindtest.Fill(t, src, msgs...)
	kindtest.RunTree(t, fmt.Sprintf(`
name: feed
strategy: rest_for_one
children:
  - {name: sender, kind: udp.sender, with: {uri: "udp://%s", destination: /topic/feed}}
  - {name: reader, kind: queue.reader, restart: transient, with: {path: %s, to: sender, loop: false}}
`, l.LocalAddr(), src))
	seen := map[int]bool{}
	for range n {
		f := receive(t, l)
		seq, err := strconv.Atoi(f.Header.Get("seq"))
		if err != nil || seen[seq] || seq < 0 || seq >= n {
			t.Fatalf("unexpected datagram seq %q", f.Header.Get("seq"))
		}
		seen[seq] = true
	}
	kindtest.WaitUntil(t, "the source emptied", func() bool {
		return kindtest.Count(t, src) == 0 && len(kindtest.Quarantined(t, src)) == 1
	})
}

func TestKindConfig(t *testing.T) {
	kindtest.ConfigError(t, "udp.sender", `{uri: "udp://h"}`, "host and port")
	kindtest.ConfigError(t, "udp.sender", `{destination: /q}`, "uri")
}
