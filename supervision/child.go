package supervision

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// childState is where a child is in its lifecycle, as its supervisor sees it.
type childState int

const (
	stDown     childState = iota // not running
	stStarting                   // spawned, not ready yet
	stUp                         // ready
	stStopping                   // asked to stop, or failed: waiting for it to be gone
)

func (s childState) public() NodeState {
	switch s {
	case stStarting:
		return StateStarting
	case stUp:
		return StateRunning
	case stStopping:
		return StateStopping
	}
	return StateStopped
}

// child is a supervisor's record of one child node across its incarnations.
type child struct {
	node   *Node
	name   string
	path   string
	parent string // the supervisor's path
	idx    int    // position among its siblings, for Inspect's order
	props  *actor.Props
	env    *nodeEnv
	disp   *childDispatcher
	envv   nodeEnv         // storage for env and disp: one allocation per child
	dispv  childDispatcher //
	kind   string          // the node's kind, fixed for the record's life
	pub    published       // what Inspect sees
	sync   bool            // run its Started inline at spawn (see childDispatcher)

	pid  atomic.Pointer[actor.PID] // current PID for Sibling lookups from other actors
	cur  *actor.PID                // the same, for the supervisor's own use
	inst *actors.Wrapped           // the current incarnation of a worker

	// spawning is the incarnation being spawned while SpawnNamed runs (0
	// otherwise); a child that becomes ready during its inline Started sets
	// readyNow instead of messaging the supervisor.
	spawning atomic.Int64
	readyNow bool

	state    childState
	gen      int // incarnation number, bumped at every spawn
	restarts int
	dynamic  bool // added by StartChild
	removed  bool // to be forgotten once down

	// Why the child is stopping when it ended on its own (failure or
	// normal exit) rather than being asked to.
	ownExit  bool
	exitKind ExitKind
	exitErr  error
	lastErr  error // last abnormal exit, for Inspect
	failedMB bool  // mailbox suspended by a failure: only a system Stop reaches it

	stopTimer   Timer
	consecutive int       // restarts in a row, for backoff
	lastRestart time.Time // when the last restart happened
	wd          watchdogState
}

// readyHook is installed in each incarnation of a child started inline: it
// records readiness reached during the spawn itself and reports whether it
// did, so no Ready message is needed.
func (c *child) readyHook(gen int) func() bool {
	return func() bool {
		if c.spawning.Load() == int64(gen) {
			c.readyNow = true
			return true
		}
		return false
	}
}

func (c *child) setPID(pid *actor.PID) {
	c.cur = pid
	c.pid.Store(pid)
}

func (c *child) spawnName() string {
	if c.gen == 1 {
		return c.name
	}
	return c.name + "#" + strconv.Itoa(c.gen)
}

// shutdown is the node's shutdown with the OTP defaults for a zero value:
// 5s for workers, infinity for supervisors.
func (c *child) shutdown() Shutdown {
	sd := c.node.Shutdown
	if !sd.BrutalKill && !sd.Infinity && sd.Timeout <= 0 {
		if c.node.IsSupervisor() {
			return Shutdown{Infinity: true}
		}
		return Shutdown{Timeout: DefaultWorkerShutdown}
	}
	return sd
}

// needsRestart applies the restart type to an exit.
func needsRestart(r Restart, k ExitKind) bool {
	switch r {
	case Permanent:
		return true
	case Transient:
		return k != ExitNormal
	}
	return false
}
