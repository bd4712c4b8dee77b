package supervision

import (
	"context"
	"errors"
	"testing"
)

// TestRequestToEndedSupervisor: an API call reaching a supervisor that has
// ended meanwhile fails with ErrNotRunning instead of waiting forever.
func TestRequestToEndedSupervisor(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	r := startTree(t, rec, sup("root", OneForOne, 1, sup("s", OneForOne, 1, worker(t, "a", Permanent))))
	old := r.PID("root/s")
	if err := r.TerminateChild(context.Background(), "root/s"); err != nil {
		t.Fatal(err)
	}
	err := r.send(context.Background(), old, func(s *supervisor, reply func(error)) { reply(nil) })
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("request to an ended supervisor: %v, want ErrNotRunning", err)
	}
	if err := r.StartChild(context.Background(), "root/s", worker(t, "b", Permanent)); !errors.Is(err, ErrNotRunning) {
		t.Errorf("StartChild under a stopped supervisor: %v, want ErrNotRunning", err)
	}
}
