package supervision

import "fmt"

// request is an operation of the Go API run in a supervisor's goroutine.
// It is queued behind the supervisor's current plan, so it never races a
// restart.
type request struct {
	fn func(s *supervisor)
}

func (s *supervisor) handleRequest(r *request) { r.fn(s) }

func (s *supervisor) find(name string) *child {
	for _, c := range s.children {
		if c.name == name && !c.removed {
			return c
		}
	}
	return nil
}

// running reports whether the supervisor accepts changes to its children.
func (s *supervisor) running() bool { return s.phase == phRunning }

// addChild adds a dynamic child at the end and starts it; a child that fails
// to start is not kept (OTP start_child).
func (s *supervisor) addChild(n *Node, reply func(error)) {
	switch {
	case !s.running():
		reply(ErrNotRunning)
		return
	case s.find(n.Name) != nil:
		reply(fmt.Errorf("%s/%s: %w", s.path, n.Name, ErrExists))
		return
	}
	c := s.newChild(n, true)
	s.children = append(s.children, c)
	s.sibs.set(s.children)
	s.plan = append(s.plan, step{kind: stepStart, c: c}, step{kind: stepDo, do: func() {
		if c.state == stUp || c.state == stStarting {
			reply(nil)
			return
		}
		c.removed = true
		err := &StartError{Supervisor: s.path, Child: c.path, Reason: c.lastErr}
		if c.state == stDown {
			s.forget(c)
			reply(err)
			return
		}
		// Reply once it is gone, so the caller never sees it again.
		s.plan = append([]step{{kind: stepStop, c: c}, {kind: stepDo, do: func() { reply(err) }}}, s.plan...)
	}})
}

// terminateChild stops a child and leaves it stopped (OTP terminate_child);
// RestartChild starts it again, DeleteChild forgets it.
func (s *supervisor) terminateChild(name string, reply func(error)) {
	c, err := s.lookupChild(name)
	if err != nil {
		reply(err)
		return
	}
	s.plan = append(s.plan, step{kind: stepStop, c: c}, step{kind: stepDo, do: func() { reply(nil) }})
}

// restartChild stops the child if it runs, then starts it again.
func (s *supervisor) restartChild(name string, reply func(error)) {
	c, err := s.lookupChild(name)
	if err != nil {
		reply(err)
		return
	}
	s.plan = append(s.plan, step{kind: stepStop, c: c}, step{kind: stepStart, c: c}, step{kind: stepDo, do: func() {
		if c.state == stDown {
			reply(&StartError{Supervisor: s.path, Child: c.path, Reason: c.lastErr})
			return
		}
		reply(nil)
	}})
}

// deleteChild forgets a stopped child (OTP delete_child).
func (s *supervisor) deleteChild(name string, reply func(error)) {
	c, err := s.lookupChild(name)
	if err != nil {
		reply(err)
		return
	}
	if c.state != stDown {
		reply(fmt.Errorf("%s: %w", c.path, ErrRunning))
		return
	}
	c.removed = true
	s.forget(c)
	reply(nil)
}

func (s *supervisor) lookupChild(name string) (*child, error) {
	if !s.running() {
		return nil, ErrNotRunning
	}
	c := s.find(name)
	if c == nil {
		return nil, fmt.Errorf("%s/%s: %w", s.path, name, ErrNoNode)
	}
	return c, nil
}
