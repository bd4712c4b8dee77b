package embedded

import (
	"fmt"
	"sync"
)

// topic fans a message out to the subscriptions present when it is sent;
// each subscription queues its copy in its own memory destination.
type topic struct {
	mu   sync.RWMutex
	subs map[*subscription]struct{}
}

func (t *topic) add(sub *subscription) {
	t.mu.Lock()
	t.subs[sub] = struct{}{}
	t.mu.Unlock()
}

func (t *topic) remove(sub *subscription) {
	t.mu.Lock()
	delete(t.subs, sub)
	t.mu.Unlock()
}

// topic returns the topic called dest, creating it.
func (s *Server) topic(dest string) *topic {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[dest]
	if !ok {
		t = &topic{subs: map[*subscription]struct{}{}}
		s.topics[dest] = t
	}
	return t
}

// publish delivers m to every current subscriber of topic dest; with none,
// the message is dropped, as on any broker.
func (s *Server) publish(dest string, m *message) {
	s.mu.Lock()
	t := s.topics[dest]
	s.mu.Unlock()
	if t == nil {
		return
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for sub := range t.subs {
		_ = sub.d.send(m) // memory stores never fail
	}
}

// queue returns the queue called name, opening its store on first use.
func (s *Server) queue(name string) (*destination, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.queues[name]; ok {
		return d, nil
	}
	if s.closed {
		return nil, &protoError{msg: "broker shutting down"}
	}
	var st store = &memoryStore{}
	if s.opts.Storage == StorageDir {
		var err error
		if st, err = openDirStore(s.opts.Dir, name, s.log); err != nil {
			return nil, fmt.Errorf("open queue %q: %w", name, err)
		}
	}
	d := newDestination(name, st, s.log)
	s.queues[name] = d
	return d, nil
}

// closeStores closes every queue's store once no connection is left.
func (s *Server) closeStores() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, d := range s.queues {
		d.mu.Lock()
		if err := d.store.close(); err != nil {
			s.log.Error("stomp broker: close queue failed", "queue", name, "err", err)
		}
		d.mu.Unlock()
	}
}
