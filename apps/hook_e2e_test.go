package apps

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/queue"
)

// TestHookDropsAndRejects: a hook's result decides each message's fate —
// passed on (rewritten), dropped (removed from the source, as consumed), or
// rejected (moved aside at the source, never deleted).
func TestHookDropsAndRejects(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	q, err := queue.Open("dqs", in)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range []map[string]string{{}, {"drop": "yes"}, {"bad": "yes"}, {}} {
		h["seq"] = fmt.Sprint(i)
		if _, err := q.AddMessage(queue.NewText(fmt.Sprintf("msg %d", i), h)); err != nil {
			t.Fatal(err)
		}
	}
	runTree(t, "hook.yaml", fmt.Sprintf(`
name: h
app: transfer
from: {queue: {path: %s}}
to: {queue: {path: %s}}
hook: test.upper
loop: false
`, in, out))
	got := drain(t, out)
	if len(got) != 2 || string(got[0].Body) != "MSG 0" || string(got[1].Body) != "MSG 3" {
		t.Errorf("destination holds %v, want MSG 0 and MSG 3", got)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source holds %d elements, want 0 (dropped: removed; rejected: moved aside)", c)
	}
	aside, _ := filepath.Glob(filepath.Join(in, queue.QuarantineDir, "*"))
	if len(aside) == 0 {
		entries, _ := os.ReadDir(in)
		t.Errorf("the rejected message was not moved aside (queue dir holds %v)", entries)
	}
}
