package supervision

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// dispatcher runs the mailboxes of a tree's actors on a pool of goroutines
// that stay alive between messages. protoactor-go's default dispatcher
// starts a goroutine per mailbox run; with the depth of a supervisor's call
// chain each new goroutine grows its stack by copying, which was a quarter
// of the cost of a restart. A pooled goroutine keeps its grown stack. The
// pool is elastic: a run finding no idle goroutine starts a new one, so a
// blocked actor never holds up the others; all of them end with the tree.
type dispatcher struct {
	idle       chan func()
	stop       chan struct{}
	throughput int
}

var _ actor.Dispatcher = (*dispatcher)(nil)

func newDispatcher() *dispatcher {
	return &dispatcher{idle: make(chan func()), stop: make(chan struct{}), throughput: 300}
}

// Schedule hands fn to an idle pooled goroutine, or starts one.
func (d *dispatcher) Schedule(fn func()) {
	select {
	case d.idle <- fn:
	default:
		go d.work(fn)
	}
}

// Throughput is how many messages a mailbox handles before yielding.
func (d *dispatcher) Throughput() int { return d.throughput }

func (d *dispatcher) work(fn func()) {
	for {
		fn()
		select {
		case fn = <-d.idle:
		case <-d.stop:
			return
		}
	}
}

// close lets the pooled goroutines end once idle.
func (d *dispatcher) close() { close(d.stop) }

// childDispatcher is a child's view of the pool. Spawning a child that does
// not signal readiness itself, the supervisor runs the child's first
// mailbox run (its Started) right away in its own goroutine, as an OTP
// supervisor runs a child's init synchronously: the child's Ready then waits
// in the supervisor's mailbox, and starting N children costs no goroutine
// hand-off. Only that first run is inlined; stops never are, so a child
// hanging in Stopping cannot hold up the supervisor's shutdown timers.
type childDispatcher struct {
	pool   *dispatcher
	inline atomic.Bool
}

// Schedule runs fn inline once when armed, else on the pool.
func (d *childDispatcher) Schedule(fn func()) {
	if d.inline.CompareAndSwap(true, false) {
		fn()
		return
	}
	d.pool.Schedule(fn)
}

// Throughput is the pool's.
func (d *childDispatcher) Throughput() int { return d.pool.throughput }
