package supervision

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// nodeEnv is the actors.Env of one node: its path, its logger and its
// siblings, whose PIDs are read at every call because restarts change them.
type nodeEnv struct {
	path   string
	base   *slog.Logger
	sibs   *siblings
	once   sync.Once
	logger *slog.Logger
}

func (e *nodeEnv) Path() string { return e.path }

// Logger tags the tree's logger with the node path on first use: a tree of
// thousands of quiet workers does not pay for a logger each.
func (e *nodeEnv) Logger() *slog.Logger {
	e.once.Do(func() { e.logger = e.base.With(slog.String("node", e.path)) })
	return e.logger
}

func (e *nodeEnv) Sibling(name string) *actor.PID { return e.sibs.lookup(name) }

// siblings maps the names of a supervisor's children to their records. The
// supervisor replaces the whole map when its children change (rare); any
// actor may read it concurrently.
type siblings struct {
	m atomic.Pointer[map[string]*child]
}

func (s *siblings) lookup(name string) *actor.PID {
	m := s.m.Load()
	if m == nil {
		return nil
	}
	if c := (*m)[name]; c != nil {
		return c.pid.Load()
	}
	return nil
}

func (s *siblings) set(children []*child) {
	m := make(map[string]*child, len(children))
	for _, c := range children {
		m[c.name] = c
	}
	s.m.Store(&m)
}
