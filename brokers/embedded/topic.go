package embedded

import "sync"

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
