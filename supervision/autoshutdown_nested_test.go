package supervision

import (
	"slices"
	"testing"
)

// TestAutoShutdownNested: a nested supervisor that shuts down by itself is a
// normal exit of a significant child for its parent, up to the root; an
// abnormal exit of a significant transient child restarts it instead.
func TestAutoShutdownNested(t *testing.T) {
	t.Parallel()
	significant := func(n *Node) *Node { n.Significant = true; return n }
	auto := func(n *Node, a AutoShutdown) *Node { n.AutoShutdown = a; return n }
	t.Run("through a nested supervisor", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t)
		jobs := significant(auto(sup("jobs", OneForOne, 1,
			significant(worker(t, "j1", Transient)), significant(worker(t, "j2", Temporary))), AllSignificant))
		jobs.Restart = Transient
		r := startTree(t, rec, auto(sup("root", OneForOne, 1, worker(t, "a", Permanent), jobs), AnySignificant))
		rec.send("root/jobs/j1", cmdExit)
		rec.waitEvent(t, "j1 exited", 1, exited("root/jobs/j1"))
		select {
		case <-r.Done():
			t.Fatal("the tree ended while j2 still runs")
		default:
		}
		rec.send("root/jobs/j2", cmdExit)
		if err := r.Wait(); err != nil {
			t.Fatalf("Wait() = %v, want a normal end", err)
		}
		want := []string{"start a", "start jobs/j1", "start jobs/j2", "stop jobs/j1", "stop jobs/j2", "stop a"}
		if got := shortLog(rec.lines()); !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("abnormal exit restarts instead", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t)
		startTree(t, rec, auto(sup("root", OneForOne, 1, significant(worker(t, "b", Transient))), AnySignificant))
		rec.send("root/b", cmdFail)
		rec.waitEvent(t, "b restarted", 1, started("root/b", 1))
	})
}
