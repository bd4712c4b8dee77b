package supervision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// Running is a started tree.
type Running struct {
	t       *tree
	top     *actor.PID
	rootPth string
	done    chan struct{}
	err     error
}

// Start starts tree: the root supervisor, then its children in order, each
// ready before the next, depth first. It returns once every node is up, or
// the error of the first node that could not start, after stopping in
// reverse order whatever had started. ctx bounds the start only.
func Start(ctx context.Context, tr *Tree, opts ...Option) (*Running, error) {
	if tr == nil || tr.Root == nil {
		return nil, errors.New("supervision: empty tree")
	}
	if err := checkNode(tr.Root, tr.Root.Name); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	sys := o.system
	if sys == nil {
		sysLog := systemLogger(o.logger)
		sys = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return sysLog }))
	}
	t := &tree{system: sys, disp: newDispatcher(), logger: o.logger, hook: o.hook, clock: o.clock, reg: newRegistry(countNodes(tr.Root))}
	r := &Running{t: t, rootPth: tr.Root.Name, done: make(chan struct{})}

	started := make(chan error, 1)
	var startOnce, doneOnce sync.Once
	hooks := &topHooks{
		started: func(err error) { startOnce.Do(func() { started <- err }) },
		done: func(err error) {
			doneOnce.Do(func() {
				r.err = err
				t.disp.close()
				close(r.done)
			})
		},
	}
	topNode := &Node{Name: "", Strategy: OneForOne, Children: []*Node{tr.Root}, Shutdown: Shutdown{Infinity: true}}
	props := actor.PropsFromProducer(func() actor.Actor {
		s := newSupervisor(t, topNode, "")
		s.top = hooks
		return s
	}, actor.WithDispatcher(t.disp))
	pid := sys.Root.SpawnPrefix(props, "bricks")
	r.top = pid
	select {
	case err := <-started:
		if err != nil {
			<-r.done
			return nil, err
		}
		return r, nil
	case <-ctx.Done():
		_ = r.Stop(context.Background())
		return nil, fmt.Errorf("supervision: start: %w", ctx.Err())
	}
}

func countNodes(n *Node) int {
	c := 1
	for _, k := range n.Children {
		c += countNodes(k)
	}
	return c
}

// checkNode reports what would keep a tree built in Go from starting:
// unknown kinds, duplicate or empty names. Trees from Load are already
// checked, with file positions.
func checkNode(n *Node, path string) error {
	if n.Name == "" {
		return fmt.Errorf("supervision: %s: node without a name", path)
	}
	if !n.IsSupervisor() {
		if _, ok := actors.Lookup(n.Kind); !ok {
			return fmt.Errorf("supervision: %s: unknown kind %q (have %s)", path, n.Kind, strings.Join(actors.KindNames(), ", "))
		}
		return nil
	}
	seen := make(map[string]bool, len(n.Children))
	for _, c := range n.Children {
		if seen[c.Name] {
			return fmt.Errorf("supervision: %s: two children named %q", path, c.Name)
		}
		seen[c.Name] = true
		if c.IsSupervisor() || c.Name == "" {
			if err := checkNode(c, path+"/"+c.Name); err != nil {
				return err
			}
		} else if _, ok := actors.Lookup(c.Kind); !ok {
			return checkNode(c, path+"/"+c.Name) // builds the message
		}
	}
	return nil
}

// Stop stops the tree gracefully: children in reverse order, each within its
// shutdown. It returns when everything stopped, with the error that ended the
// tree if it had failed before, or ctx's error when ctx ends first.
func (r *Running) Stop(ctx context.Context) error {
	select {
	case <-r.done:
		return r.err
	default:
	}
	r.t.system.Root.Send(r.top, &stopRequest{})
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return fmt.Errorf("supervision: stop: %w", ctx.Err())
	}
}

// Wait blocks until the tree ends. The error is nil after Stop or a normal
// exit of the root, else it says why the root failed (an *IntensityError
// naming which child exhausted which intensity within which period).
func (r *Running) Wait() error {
	<-r.done
	return r.err
}

// Done is closed when the tree has ended.
func (r *Running) Done() <-chan struct{} { return r.done }

// Inspect returns a snapshot of every node, in tree order.
func (r *Running) Inspect() []NodeStatus { return r.t.reg.snapshot() }

// StartChild adds n as the last child of the supervisor at parentPath and
// starts it. A child that fails to start is not kept.
func (r *Running) StartChild(ctx context.Context, parentPath string, n *Node) error {
	if err := checkNode(n, parentPath+"/"+n.Name); err != nil {
		return err
	}
	return r.call(ctx, parentPath, func(s *supervisor, reply func(error)) { s.addChild(n, reply) })
}

// TerminateChild stops the child at path and leaves it stopped (it is not
// restarted) until RestartChild; DeleteChild then forgets it.
func (r *Running) TerminateChild(ctx context.Context, path string) error {
	parent, name, err := splitPath(path)
	if err != nil {
		return err
	}
	return r.call(ctx, parent, func(s *supervisor, reply func(error)) { s.terminateChild(name, reply) })
}

// RestartChild stops the child at path if it runs and starts it again.
func (r *Running) RestartChild(ctx context.Context, path string) error {
	parent, name, err := splitPath(path)
	if err != nil {
		return err
	}
	return r.call(ctx, parent, func(s *supervisor, reply func(error)) { s.restartChild(name, reply) })
}

// DeleteChild forgets the stopped child at path.
func (r *Running) DeleteChild(ctx context.Context, path string) error {
	parent, name, err := splitPath(path)
	if err != nil {
		return err
	}
	return r.call(ctx, parent, func(s *supervisor, reply func(error)) { s.deleteChild(name, reply) })
}

// Apply changes the running tree into newTree (a reload, e.g. on SIGHUP):
// removed nodes are stopped, new ones started, changed workers restarted
// with their new configuration, supervisor flags updated in place. Nodes
// that did not change keep running untouched.
func (r *Running) Apply(ctx context.Context, newTree *Tree) error {
	if newTree == nil || newTree.Root == nil {
		return errors.New("supervision: apply: empty tree")
	}
	if err := checkNode(newTree.Root, newTree.Root.Name); err != nil {
		return err
	}
	topNode := &Node{Name: "", Strategy: OneForOne, Children: []*Node{newTree.Root}, Shutdown: Shutdown{Infinity: true}}
	queue := []struct {
		pid  *actor.PID
		path string
		node *Node
	}{{r.top, "", topNode}}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		pid := q.pid
		if pid == nil {
			p, _, ok := r.t.reg.lookup(q.path)
			if !ok || p == nil {
				continue // stopped meanwhile: it starts from its new node when restarted
			}
			pid = p
		}
		var fwd []forward
		err := r.send(ctx, pid, func(s *supervisor, reply func(error)) {
			s.apply(q.node, func(f []forward, err error) { fwd = f; reply(err) })
		})
		if err != nil {
			return fmt.Errorf("supervision: apply %s: %w", q.path, err)
		}
		for _, f := range fwd {
			queue = append(queue, struct {
				pid  *actor.PID
				path string
				node *Node
			}{nil, f.path, f.node})
		}
	}
	r.rootPth = newTree.Root.Name
	return nil
}

// call runs op in the supervisor at path and waits for its reply.
func (r *Running) call(ctx context.Context, path string, op func(*supervisor, func(error))) error {
	pid, sup, ok := r.t.reg.lookup(path)
	if !ok {
		return fmt.Errorf("supervision: %s: %w", path, ErrNoNode)
	}
	if !sup {
		return fmt.Errorf("supervision: %s: %w", path, ErrNotSupervisor)
	}
	if pid == nil {
		return fmt.Errorf("supervision: %s: %w", path, ErrNotRunning)
	}
	return r.send(ctx, pid, op)
}

func (r *Running) send(ctx context.Context, pid *actor.PID, op func(*supervisor, func(error))) error {
	replies := make(chan error, 1)
	req := &request{fn: func(s *supervisor) {
		op(s, func(err error) { replies <- err })
	}}
	// A supervisor that ended meanwhile never answers: its dead letter does.
	sub := r.t.system.EventStream.Subscribe(func(evt any) {
		if dl, ok := evt.(*actor.DeadLetterEvent); ok && dl.Message == req {
			select {
			case replies <- ErrNotRunning:
			default:
			}
		}
	})
	defer r.t.system.EventStream.Unsubscribe(sub)
	r.t.system.Root.Send(pid, req)
	select {
	case err := <-replies:
		return err
	case <-r.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

func splitPath(path string) (parent, name string, err error) {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 || i == len(path)-1 {
		return "", "", fmt.Errorf("supervision: %q: %w (want parent/child)", path, ErrNoNode)
	}
	return path[:i], path[i+1:], nil
}

// PID returns the current PID of the node at path, or nil when it is not
// running. A restart changes it: look it up again rather than keeping it.
func (r *Running) PID(path string) *actor.PID {
	pid, _, _ := r.t.reg.lookup(path)
	return pid
}

// System returns the actor system the tree runs in, to send its nodes
// messages from Go code (System().Root.Send(r.PID(path), msg)).
func (r *Running) System() *actor.ActorSystem { return r.t.system }
