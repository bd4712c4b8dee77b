package supervision

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestSiblingFollowsRestarts: a node reaches its sibling through its Env,
// which gives the sibling's current PID after the sibling restarted.
func TestSiblingFollowsRestarts(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	r := startTree(t, rec, sup("root", OneForOne, 5, worker(t, "a", Permanent), worker(t, "b", Permanent, "peer", "a")))
	peers := func() []string {
		var out []string
		for _, l := range rec.lines() {
			if id, ok := strings.CutPrefix(l, "peer "); ok {
				out = append(out, id)
			}
		}
		return out
	}
	first := r.PID("root/a").Id
	rec.send("root/b", cmdPeer)
	rec.waitLog(t, "peer "+first, 1)

	rec.send("root/a", cmdPanic)
	rec.waitEvent(t, "a restarted", 1, started("root/a", 1))
	second := r.PID("root/a").Id
	if second == first {
		t.Fatalf("a restarted with the same PID %s", first)
	}
	rec.send("root/b", cmdPeer)
	rec.waitLog(t, "peer "+second, 1)

	if err := r.TerminateChild(context.Background(), "root/a"); err != nil {
		t.Fatal(err)
	}
	rec.send("root/b", cmdPeer)
	rec.waitLog(t, "peer none", 1)
	if got, want := peers(), []string{first, second, "none"}; !slices.Equal(got, want) {
		t.Errorf("b saw %v, want %v", got, want)
	}
}
