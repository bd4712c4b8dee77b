package supervision

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock moved by hand: timers fire only in Advance.
type fakeClock struct {
	mu      sync.Mutex
	cond    *sync.Cond
	now     time.Time
	timers  []*fakeTimer
	created int // AfterFunc calls so far
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	c.created++
	c.cond.Broadcast()
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// waitCreated waits until AfterFunc was called n times in all.
func (c *fakeClock) waitCreated(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stop := time.AfterFunc(20*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer stop.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.created < n {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for timer %d (have %d)", n, c.created)
		}
		c.cond.Wait()
	}
}

// waitTimer waits until a timer is pending for d from now, so that an
// Advance(d) fires it (the supervisor may arm it just after the event the
// test saw).
func (c *fakeClock) waitTimer(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stop := time.AfterFunc(20*time.Second, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer stop.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for _, tm := range c.timers {
			if !tm.stopped && tm.at.Equal(c.now.Add(d)) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for a timer of %s", d)
		}
		c.cond.Wait()
	}
}
