package apps

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bricksmq/bricks/queue"
)

// TestStaleLockIsSentAgain: an element locked by a killed predecessor (its
// lock is old) is released by the transfer's purger and then sent, with
// nobody stepping in.
func TestStaleLockIsSentAgain(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 1)
	q, err := queue.Open("dqs", in)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	for n := range q.Names() {
		name = n
	}
	if ok, err := q.Lock(name); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	// The predecessor died an hour ago: its lock is that old.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(in, name), old, old); err != nil {
		t.Fatal(err)
	}
	runTree(t, "stale.yaml", fmt.Sprintf(`
name: stale
app: transfer
from: {queue: {path: %s, poll: 50ms}}
to: {queue: {path: %s}}
count: 1
purge: {interval: 100ms, maxlock: 1m}
`, in, out))
	got := drain(t, out)
	if len(got) != 1 || string(got[0].Body) != "body 1" {
		t.Errorf("destination holds %v, want the once-locked message", got)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
}
