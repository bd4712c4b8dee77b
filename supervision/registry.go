package supervision

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// NodeState is the lifecycle state of a node in a snapshot.
type NodeState string

// The states Inspect reports.
const (
	StateStarting NodeState = "starting"
	StateRunning  NodeState = "running"
	StateStopping NodeState = "stopping"
	StateStopped  NodeState = "stopped"
)

// NodeStatus is one node in a snapshot of a running tree.
type NodeStatus struct {
	Path       string
	Kind       string // empty for a supervisor
	State      NodeState
	Restarts   int
	PID        string // the actor's id, empty when stopped
	LastReason string // the reason of the last abnormal exit, if any
	// Node is the definition the running tree uses for the node: the
	// file's after a reload, the caller's for a StartChild. Shared with
	// the tree: read it, do not modify it.
	Node *Node
}

// registry is the shared view of every node of a running tree: the snapshot
// Inspect returns and the path → supervisor lookup of the dynamic API. The
// map changes only when nodes are added or removed; state changes are
// published by each child record in atomics (see child.publish), so a
// restart costs no lock.
type registry struct {
	mu    sync.Mutex
	nodes map[string]*child
}

func newRegistry(size int) *registry { return &registry{nodes: make(map[string]*child, size)} }

func (r *registry) add(c *child) {
	r.mu.Lock()
	r.nodes[c.path] = c
	r.mu.Unlock()
}

// remove forgets a node and everything below it.
func (r *registry) remove(path string) {
	r.mu.Lock()
	for p := range r.nodes {
		if p == path || strings.HasPrefix(p, path+"/") {
			delete(r.nodes, p)
		}
	}
	r.mu.Unlock()
}

func (r *registry) lookup(path string) (pid *actor.PID, sup, ok bool) {
	r.mu.Lock()
	c := r.nodes[path]
	r.mu.Unlock()
	if c == nil {
		return nil, false, false
	}
	return c.pid.Load(), c.kind == "", true
}

func (r *registry) snapshot() []NodeStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make(map[string][]int, len(r.nodes))
	var key func(path string) []int
	key = func(path string) []int {
		if k, ok := keys[path]; ok {
			return k
		}
		c := r.nodes[path]
		if c == nil {
			return nil
		}
		k := append(slices.Clone(key(c.parent)), int(c.pub.idx.Load()))
		keys[path] = k
		return k
	}
	out := make([]NodeStatus, 0, len(r.nodes))
	for p, c := range r.nodes {
		key(p)
		st := NodeStatus{Path: c.path, Kind: c.kind, State: childState(c.pub.state.Load()).public(),
			Restarts: int(c.pub.restarts.Load()), Node: c.pub.node.Load()}
		if pid := c.pid.Load(); pid != nil {
			st.PID = pid.Id
		}
		if e := c.pub.lastErr.Load(); e != nil {
			st.LastReason = (*e).Error()
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b NodeStatus) int { return slices.Compare(keys[a.Path], keys[b.Path]) })
	return out
}

// published is what a child record shows other goroutines (Inspect).
type published struct {
	state    atomic.Int32
	restarts atomic.Int32
	idx      atomic.Int32
	lastErr  atomic.Pointer[error]
	node     atomic.Pointer[Node]
}

// publish makes the child's current state visible to Inspect.
func (c *child) publish() {
	c.pub.state.Store(int32(c.state))
	c.pub.restarts.Store(int32(c.restarts))
	c.pub.idx.Store(int32(c.idx))
	c.pub.node.Store(c.node)
	if c.lastErr != nil {
		if p := c.pub.lastErr.Load(); p == nil || *p != c.lastErr {
			err := c.lastErr
			c.pub.lastErr.Store(&err)
		}
	}
}
