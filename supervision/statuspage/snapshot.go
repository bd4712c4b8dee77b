package statuspage

import (
	"strings"
	"time"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
)

// Status is the body of /status.json (see the package documentation for
// the meaning of each field).
type Status struct {
	Tree    string    `json:"tree"`
	File    string    `json:"file"`
	Time    time.Time `json:"time"`
	Running bool      `json:"running"`
	Nodes   []Node    `json:"nodes"`
}

// Node is one node of a Status: what the tree file says of it and its live
// state.
type Node struct {
	Path       string `json:"path"`
	Name       string `json:"name"`
	Depth      int    `json:"depth"`
	Supervisor bool   `json:"supervisor"`
	Kind       string `json:"kind"`
	App        string `json:"app"`
	Strategy   string `json:"strategy"`
	Restart    string `json:"restart"`
	Summary    string `json:"summary"`
	Config     string `json:"config"`
	Flow       []Flow `json:"flow"`
	State      string `json:"state"`
	Restarts   int    `json:"restarts"`
	PID        string `json:"pid"`
	LastReason string `json:"last_reason"`
}

// Flow is a message-flow link: the sibling a field of the node's `with:`
// names (to:, retry.to, ...).
type Flow struct {
	Field string `json:"field"`
	To    string `json:"to"` // the sibling's path
}

// live is one consistent view of the running tree: its structure with the
// tree file's nodes, and each node's status by path.
type live struct {
	tree   *supervision.Tree
	status map[string]supervision.NodeStatus
	taken  time.Time
	ended  bool
}

// view takes a snapshot of the running tree and lays it over the tree
// file: the structure is the running one (Inspect), each node carrying its
// file entry when it has one.
func (h *Handler) view() *live {
	t := h.Tree()
	ended := false
	select {
	case <-h.run.Done():
		ended = true
	default:
	}
	snap := h.run.Inspect()
	v := &live{tree: t, status: make(map[string]supervision.NodeStatus, len(snap)), taken: time.Now(), ended: ended}
	for _, st := range snap {
		v.status[st.Path] = st
	}
	if o := overlay(t, snap); o.Root != nil {
		v.tree = o
	}
	return v
}

// overlay builds the running structure from a snapshot (in tree order),
// each node from its running definition, else from t's node for the path.
// Nodes are copied: both are shared.
func overlay(t *supervision.Tree, snap []supervision.NodeStatus) *supervision.Tree {
	file := map[string]*supervision.Node{}
	supervision.Walk(t.Root, func(n *supervision.Node, path string, _ int) { file[path] = n })
	built := make(map[string]*supervision.Node, len(snap))
	var root *supervision.Node
	for _, st := range snap {
		var n supervision.Node
		if st.Node != nil { // the running definition: the file may not be swapped in yet
			n = *st.Node
		} else if f := file[st.Path]; f != nil {
			n = *f
		} else {
			n = supervision.Node{Name: st.Path[strings.LastIndexByte(st.Path, '/')+1:], Kind: st.Kind}
		}
		n.Children = nil
		built[st.Path] = &n
		i := strings.LastIndexByte(st.Path, '/')
		if i < 0 {
			if root == nil {
				root = &n
			}
			continue
		}
		if p := built[st.Path[:i]]; p != nil {
			p.Children = append(p.Children, &n)
		}
	}
	return &supervision.Tree{File: t.File, Root: root}
}

// state is a node's state, "stopped" for a node the snapshot lacks.
func (v *live) state(path string) string {
	if st, ok := v.status[path]; ok && st.State != "" {
		return string(st.State)
	}
	return string(supervision.StateStopped)
}

// Status returns the snapshot /status.json serves.
func (h *Handler) Status() Status { return h.view().json() }

func (v *live) json() Status {
	s := Status{Tree: v.tree.Root.Name, File: v.tree.File, Time: v.taken.UTC(), Running: !v.ended, Nodes: []Node{}}
	supervision.Walk(v.tree.Root, func(n *supervision.Node, path string, depth int) {
		st := v.status[path]
		out := Node{
			Path: path, Name: n.Name, Depth: depth, Supervisor: n.IsSupervisor(), Kind: n.Kind, App: n.App,
			Restart: n.Restart.String(), Summary: strings.Join(supervision.Summary(n), ", "),
			Flow: []Flow{}, State: v.state(path), Restarts: st.Restarts, PID: st.PID, LastReason: st.LastReason,
		}
		if n.IsSupervisor() {
			out.Strategy = n.Strategy.String()
		}
		if n.With != nil && len(n.With.Values()) > 0 {
			out.Config = actors.FlowText(actors.ConfigNode(actors.Redact(n.With)))
		}
		parent := path[:max(strings.LastIndexByte(path, '/'), 0)]
		for _, r := range actors.SiblingRefs(n.With) {
			out.Flow = append(out.Flow, Flow{Field: r.Field, To: parent + "/" + r.Name})
		}
		s.Nodes = append(s.Nodes, out)
	})
	return s
}
