package queue

import (
	"errors"
	"fmt"
	"iter"
	"slices"
)

// Set iterates several queues as one, merging their elements by name
// (dirq's QueueSet). Within one flavour the merge is roughly oldest first;
// DQN names start with counters (00000000/...) and DQS names with times, so
// in a mixed set all DQN elements come first.
type Set struct {
	members []Queue
	ids     []string
}

// SetElement is one element of a Set: its queue and its name there.
type SetElement struct {
	Queue Queue
	Name  string
}

// ErrDuplicate: the queue (same directory, by device and inode) is
// already in the set.
var ErrDuplicate = errors.New("queue already in set")

// NewSet returns a set of the given queues; the same directory twice is
// refused with ErrDuplicate.
func NewSet(queues ...Queue) (*Set, error) {
	s := &Set{}
	if err := s.Add(queues...); err != nil {
		return nil, err
	}
	return s, nil
}

// Add puts more queues in the set.
func (s *Set) Add(queues ...Queue) error {
	for _, q := range queues {
		if q == nil || q.Path() == "" {
			return fmt.Errorf("queue set: %T has no directory", q)
		}
		id, err := queueID(q.Path())
		if err != nil {
			return fmt.Errorf("queue set: %w", err)
		}
		if slices.Contains(s.ids, id) {
			return fmt.Errorf("queue set: %s: %w", q.Path(), ErrDuplicate)
		}
		s.members = append(s.members, q)
		s.ids = append(s.ids, id)
	}
	return nil
}

// Remove takes a queue (matched by directory) out of the set.
func (s *Set) Remove(q Queue) error {
	id, err := queueID(q.Path())
	if err != nil {
		return fmt.Errorf("queue set: %w", err)
	}
	i := slices.Index(s.ids, id)
	if i < 0 {
		return fmt.Errorf("queue set: %s is not in the set", q.Path())
	}
	s.members = slices.Delete(s.members, i, i+1)
	s.ids = slices.Delete(s.ids, i, i+1)
	return nil
}

// Queues returns the members in the order they were added.
func (s *Set) Queues() []Queue { return slices.Clone(s.members) }

// Count sums the members' counts.
func (s *Set) Count() (int, error) {
	total := 0
	for _, q := range s.members {
		n, err := q.Count()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Names yields the elements of all members, smallest name first (ties in
// member order). Each member is iterated as by its own Names, so memory
// stays bounded; a member's listing error is yielded with that member and
// the iteration goes on.
func (s *Set) Names() iter.Seq2[SetElement, error] {
	return func(yield func(SetElement, error) bool) {
		type cursor struct {
			next func() (string, error, bool)
			stop func()
			name string
			ok   bool
		}
		curs := make([]*cursor, len(s.members))
		defer func() {
			for _, c := range curs {
				if c != nil {
					c.stop()
				}
			}
		}()
		// advance moves c to its next name, yielding listing errors.
		advance := func(i int) bool {
			c := curs[i]
			for {
				name, err, ok := c.next()
				if !ok {
					c.ok = false
					return true
				}
				if err != nil {
					if !yield(SetElement{Queue: s.members[i]}, err) {
						return false
					}
					continue
				}
				c.name, c.ok = name, true
				return true
			}
		}
		for i, q := range s.members {
			next, stop := iter.Pull2(q.Names())
			curs[i] = &cursor{next: next, stop: stop}
			if !advance(i) {
				return
			}
		}
		for {
			best := -1
			for i, c := range curs {
				if c.ok && (best < 0 || c.name < curs[best].name) {
					best = i
				}
			}
			if best < 0 {
				return
			}
			if !yield(SetElement{Queue: s.members[best], Name: curs[best].name}, nil) {
				return
			}
			if !advance(best) {
				return
			}
		}
	}
}
