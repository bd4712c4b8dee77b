package queue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// lockedElements adds n messages to q and locks them, as a reader does
// before it delivers them.
func lockedElements(t *testing.T, q *DQS, n int) []string {
	t.Helper()
	var names []string
	for range n {
		name, err := q.AddMessage(NewText("x", nil))
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); !ok || err != nil {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		names = append(names, name)
	}
	return names
}

// exists reports whether the element name of q is there (locked or not)
// and whether its lock is.
func exists(t *testing.T, q *DQS, name string) (element, lock bool) {
	t.Helper()
	_, err1 := os.Stat(filepath.Join(q.Path(), name))
	_, err2 := os.Stat(filepath.Join(q.Path(), name+lckSuffix))
	return err1 == nil, err2 == nil
}

// TestSettlerRemovesInItsGoroutine: what the reader hands over is removed
// by the goroutine (remove: true) or unlocked and kept (remove: false).
func TestSettlerRemovesInItsGoroutine(t *testing.T) {
	for _, remove := range []bool{true, false} {
		q := newDQS(t, DQSOptions{})
		names := lockedElements(t, q, 5)
		s := newSettler(q, remove, 10, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.run(ctx) }()
		for _, name := range names {
			if !s.add(name) {
				t.Fatalf("add %s refused below the limit", name)
			}
		}
		deadline := time.Now().Add(20 * time.Second) // a bound for a regression, not a timing
		for _, name := range names {
			for {
				element, lock := exists(t, q, name)
				if !lock && element != remove {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("remove=%v: %s not settled (element %v, lock %v)", remove, name, element, lock)
				}
				time.Sleep(time.Millisecond)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
	}
}

// TestSettlerBacklogIsBoundedAndDrained: past its limit the settler refuses
// (the reader settles inline), and drain settles, in the caller, what the
// goroutine never took: a stopping reader leaves no confirmed element
// locked.
func TestSettlerBacklogIsBoundedAndDrained(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	names := lockedElements(t, q, 3)
	s := newSettler(q, true, 2, nil) // no goroutine: everything stays in the backlog
	if !s.add(names[0]) || !s.add(names[1]) {
		t.Fatal("add refused below the limit")
	}
	if s.add(names[2]) {
		t.Fatal("add took a third element past a limit of 2")
	}
	s.drain(func(name string, err error) { t.Errorf("drain %s: %v", name, err) })
	for _, name := range names[:2] {
		if element, lock := exists(t, q, name); element || lock {
			t.Errorf("%s still there after drain (element %v, lock %v)", name, element, lock)
		}
	}
	if element, lock := exists(t, q, names[2]); !element || !lock {
		t.Errorf("%s was never handed over but changed (element %v, lock %v)", names[2], element, lock)
	}
}

// TestSettlerToldOfLostLock: a confirmed element whose lock is gone (a
// purge elsewhere took it for stale) is reported to lost and the goroutine
// goes on: the element was removed all the same.
func TestSettlerToldOfLostLock(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	names := lockedElements(t, q, 2)
	if err := q.Unlock(names[0]); err != nil { // the purge
		t.Fatal(err)
	}
	lost := make(chan string, 2)
	s := newSettler(q, true, 10, func(name string, err error) {
		if !errors.Is(err, ErrNotLocked) {
			t.Errorf("lost %s with %v, want ErrNotLocked", name, err)
		}
		lost <- name
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	s.add(names[0])
	s.add(names[1])
	if got := <-lost; got != names[0] {
		t.Errorf("lost %s, want %s", got, names[0])
	}
	deadline := time.Now().Add(20 * time.Second) // a bound for a regression, not a timing
	for {
		if element, lock := exists(t, q, names[1]); !element && !lock {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not removed after the lost lock of %s", names[1], names[0])
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run = %v after a lost lock", err)
	}
	for _, name := range names {
		if element, lock := exists(t, q, name); element || lock {
			t.Errorf("%s still there (element %v, lock %v)", name, element, lock)
		}
	}
}

// failingRemove is a queue whose Remove of one element fails.
type failingRemove struct {
	Queue
	bad string
}

func (q failingRemove) Remove(name string) error {
	if name == q.bad {
		return errors.New("input/output error")
	}
	return q.Queue.Remove(name)
}

// TestSettlerFailureNamesTheElement: an element that cannot be removed
// stops the goroutine with an error naming it, which fails the reader; the
// rest of its batch goes back for the stopping reader's drain, so no other
// confirmed element stays locked.
func TestSettlerFailureNamesTheElement(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	names := lockedElements(t, q, 3)
	s := newSettler(failingRemove{Queue: q, bad: names[1]}, true, 10, nil)
	for _, name := range names {
		s.add(name)
	}
	err := s.run(context.Background())
	if err == nil || !contains(err.Error(), names[1]) || !contains(err.Error(), "input/output error") {
		t.Fatalf("run = %v, want the failure naming %s", err, names[1])
	}
	s.drain(func(name string, err error) { t.Errorf("drain %s: %v", name, err) })
	for _, name := range []string{names[0], names[2]} {
		if element, lock := exists(t, q, name); element || lock {
			t.Errorf("%s still there after the failure and drain (element %v, lock %v)", name, element, lock)
		}
	}
}
