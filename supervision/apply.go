package supervision

import (
	"reflect"
	"slices"
)

// forward is a child supervisor whose own children must be compared next.
type forward struct {
	path string
	node *Node
}

// apply brings this supervisor's children in line with n (a reload):
// removed children are stopped (in reverse order) and forgotten, changed
// workers are stopped and started again with their new configuration, new
// children are started, all in the new order; supervisor flags change in
// place. Child supervisors that stay are returned, for the caller to apply
// their part of the new tree to them.
func (s *supervisor) apply(n *Node, reply func([]forward, error)) {
	if !s.running() {
		reply(nil, ErrNotRunning)
		return
	}
	s.node = n
	s.window.resize(intensityOf(n))
	wanted := make(map[string]*Node, len(n.Children))
	for _, cn := range n.Children {
		wanted[cn.Name] = cn
	}
	var fwd []forward
	for i := len(s.children) - 1; i >= 0; i-- {
		c := s.children[i]
		cn := wanted[c.name]
		if c.dynamic && cn == nil {
			continue // added by StartChild: not the file's business
		}
		switch {
		case cn == nil || replaced(c.node, cn):
			c.removed = true
			s.plan = append(s.plan, step{kind: stepStop, c: c})
		default:
			if c.node.IsSupervisor() {
				fwd = append(fwd, forward{path: c.path, node: cn})
			}
			c.node, c.dynamic = cn, false
		}
	}
	slices.Reverse(fwd)
	s.plan = append(s.plan, step{kind: stepDo, do: func() {
		s.dropRemoved()
		kept := make(map[string]*child, len(s.children))
		for _, c := range s.children {
			kept[c.name] = c
		}
		next := make([]*child, 0, len(n.Children))
		var starts []step
		for _, cn := range n.Children {
			c := kept[cn.Name]
			if c == nil {
				c = s.newChild(cn, false)
				starts = append(starts, step{kind: stepStart, c: c})
			}
			next = append(next, c)
		}
		// Dynamic children stay, after the declared ones.
		for _, c := range s.children {
			if c.dynamic && wanted[c.name] == nil {
				next = append(next, c)
			}
		}
		s.children = next
		s.sibs.set(next)
		for i, c := range next {
			c.idx = i + 1
			c.publish()
		}
		s.seq = len(next)
		starts = append(starts, step{kind: stepDo, do: func() { reply(fwd, nil) }})
		s.plan = append(starts, s.plan...)
	}})
}

// replaced reports whether a child must be stopped and started anew to take
// a new definition: a different kind, configuration or watchdog. Restart
// type and shutdown change in place; a supervisor is never replaced, its
// children are compared instead.
func replaced(old, n *Node) bool {
	if old.IsSupervisor() != n.IsSupervisor() {
		return true
	}
	if n.IsSupervisor() {
		return false
	}
	return old.Kind != n.Kind || old.Watchdog != n.Watchdog || !sameConfig(old, n)
}

func sameConfig(a, b *Node) bool {
	var av, bv map[string]any
	if a.With != nil {
		av = a.With.Values()
	}
	if b.With != nil {
		bv = b.With.Values()
	}
	if len(av) == 0 && len(bv) == 0 {
		return true
	}
	return reflect.DeepEqual(av, bv)
}
