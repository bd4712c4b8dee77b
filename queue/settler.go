package queue

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"
)

// settler removes (or, with remove: false, unlocks) the elements a
// queue.reader got a Confirm for, in a goroutine the reader owns. The
// reader's turn then goes to locking and reading what comes next while the
// confirmed elements are removed beside it: removal, the dearest step of
// the three (two unlinks, the last one freeing the file), no longer holds
// up the read-ahead, and the disk work is out of the actor's mailbox.
//
// A confirmed element stays locked until it is settled, so no other reader
// takes it meanwhile. The backlog is bounded (limit): past it the reader
// settles inline, which slows its reading to the pace of removal. What the
// goroutine has not taken when the reader stops is settled by the reader
// itself (drain); an element left behind by a SIGKILL is unlocked by purge
// after maxlock and sent again: a duplicate, never a loss.
type settler struct {
	q      Queue
	remove bool
	limit  int
	// lost is told of a confirmed element whose lock was gone when it was
	// settled (a purge elsewhere took it for stale): the element is removed
	// all the same (DQS) or stays to be offered again (DQN), a duplicate at
	// worst, and failing the reader would only make more.
	lost func(name string, err error)

	mu      sync.Mutex
	backlog []string      // confirmed, not taken by the goroutine yet
	wake    chan struct{} // capacity 1: something was added to backlog
}

// newSettler returns a settler of q; lost may be nil (nobody to tell).
func newSettler(q Queue, remove bool, limit int, lost func(name string, err error)) *settler {
	if lost == nil {
		lost = func(string, error) {}
	}
	return &settler{q: q, remove: remove, limit: limit, lost: lost, wake: make(chan struct{}, 1)}
}

// add hands a confirmed element to the goroutine; false when the backlog
// is full: the caller settles it itself.
func (s *settler) add(name string) bool {
	s.mu.Lock()
	if len(s.backlog) >= s.limit {
		s.mu.Unlock()
		return false
	}
	s.backlog = append(s.backlog, name)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // already woken: it takes the whole backlog
	}
	return true
}

// take swaps the backlog for buf (emptied) and returns what it held.
func (s *settler) take(buf []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := s.backlog
	s.backlog = buf[:0]
	return taken
}

// settle removes or unlocks one confirmed element.
func (s *settler) settle(name string) error {
	var err error
	if s.remove {
		err = s.q.Remove(name)
	} else {
		err = s.q.Unlock(name)
	}
	if lockLost(err) {
		s.lost(name, err)
		return nil
	}
	return err
}

// lockLost reports whether err says the element's lock was gone: a purge
// elsewhere took it for stale (see DQS.Purge on dirq's link-then-touch).
func lockLost(err error) bool {
	return errors.Is(err, ErrNotLocked) || errors.Is(err, fs.ErrNotExist)
}

// run is the goroutine: it settles the backlog in batches until ctx ends.
// A batch it took is finished even then (drain does not see it); an error
// fails the reader, whose restart leaves the element to purge, and puts
// the rest of the batch back for the reader's drain.
func (s *settler) run(ctx context.Context) error {
	var batch []string
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		}
		for {
			batch = s.take(batch)
			if len(batch) == 0 {
				break
			}
			for i, name := range batch {
				if err := s.settle(name); err != nil {
					s.putBack(batch[i+1:]) // for the stopping reader's drain
					return fmt.Errorf("settling confirmed element %s: %w", name, err)
				}
			}
		}
	}
}

// putBack returns names the goroutine took but could not settle to the
// front of the backlog.
func (s *settler) putBack(names []string) {
	if len(names) == 0 {
		return
	}
	s.mu.Lock()
	s.backlog = append(slices.Clone(names), s.backlog...)
	s.mu.Unlock()
}

// drain settles, in the caller, what the goroutine has not taken, and
// reports each failure to failed.
func (s *settler) drain(failed func(name string, err error)) {
	for _, name := range s.take(nil) {
		if err := s.settle(name); err != nil {
			failed(name, err)
		}
	}
}
