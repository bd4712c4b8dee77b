package supervision

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// stopWorker is the in-order stop a supervisor sends a worker it stops.
var stopWorker = &actors.StopRequest{}

// stepKind is what one step of a supervisor's plan does.
type stepKind int

const (
	stepStart stepKind = iota // start a child and wait until it is ready
	stepStop                  // stop a child and wait until it is gone
	stepDelay                 // wait (backoff)
	stepDo                    // run a function (reply, finish, give up)
)

type step struct {
	kind stepKind
	c    *child
	d    time.Duration
	do   func()
}

// exitEvent is a child that ended on its own, handled once the plan is done.
type exitEvent struct {
	c    *child
	gen  int
	kind ExitKind
	err  error
}

// Messages the supervisor sends itself from timers, and the stop request a
// parent sends a supervisor child.
type (
	stopTimeout struct {
		c   *child
		gen int
	}
	delayDone    struct{ token int }
	cooldownDone struct{ token int }
	stopRequest  struct{}
)

// advance runs the plan until a step has to wait for a child (or a timer),
// then handles the exits that happened meanwhile, which may plan more.
func (s *supervisor) advance() {
	for s.wait == nil && s.phase != phDone {
		if len(s.plan) > 0 {
			st := s.plan[0]
			s.plan = s.plan[1:]
			s.run(st)
			continue
		}
		if len(s.exits) > 0 {
			ev := s.exits[0]
			s.exits = s.exits[1:]
			s.handleExit(ev)
			continue
		}
		return
	}
}

func (s *supervisor) run(st step) {
	switch st.kind {
	case stepStart:
		if s.startChild(st.c) {
			s.wait = &st
		}
	case stepStop:
		if s.stopChild(st.c) {
			s.wait = &st
		}
	case stepDelay:
		s.token++
		tok, self, sys := s.token, s.ctx.Self(), s.t.system
		s.t.clock.AfterFunc(st.d, func() { sys.Root.Send(self, &delayDone{token: tok}) })
		s.wait = &st
	case stepDo:
		st.do()
	}
}

func (s *supervisor) waitingFor(kind stepKind, c *child) bool {
	return s.wait != nil && s.wait.kind == kind && s.wait.c == c
}

// startChild spawns c and reports whether to wait for its readiness.
func (s *supervisor) startChild(c *child) bool {
	if c.state != stDown || c.removed {
		return false
	}
	if c.props == nil {
		s.startFailed(c, errUnknownKind(c.node.Kind), ExitAbnormal)
		return false
	}
	c.gen++
	c.failedMB = false
	c.disp.inline.Store(c.sync)
	c.spawning.Store(int64(c.gen))
	pid, err := s.ctx.SpawnNamed(c.props, c.spawnName())
	c.spawning.Store(0)
	c.disp.inline.Store(false)
	if err != nil {
		s.startFailed(c, err, ExitAbnormal)
		return false
	}
	c.setPID(pid)
	s.byPID[pid] = c
	c.state = stStarting
	if c.readyNow {
		// Ready already, during its inline Started: no need to wait.
		c.readyNow = false
		s.markUp(c)
		return false
	}
	c.publish()
	return true
}

// startFailed handles a child that could not start: during the initial start
// the supervisor rolls back and fails; later it is an exit like any other.
func (s *supervisor) startFailed(c *child, err error, kind ExitKind) {
	s.t.emit(&StartFailed{Node: c.path, Reason: err})
	c.lastErr = err
	if s.waitingFor(stepStart, c) {
		s.wait = nil
	}
	if c.state != stDown {
		c.ownExit, c.exitKind, c.exitErr = true, kind, err
		s.beginStop(c)
	} else {
		s.exits = append(s.exits, exitEvent{c: c, gen: c.gen, kind: kind, err: err})
	}
	switch {
	case s.phase == phStarting:
		// Roll back: stop what started, in reverse, then fail.
		s.phase = phStopping
		if s.top != nil {
			s.haltAndStopAll(func() { s.fail(err) })
		} else {
			s.haltAndStopAll(func() { s.fail(&StartError{Supervisor: s.path, Child: c.path, Reason: err}) })
		}
	case s.node.Strategy != OneForOne:
		// Children after it depend on it: do not start them now; the exit
		// restarts them by the strategy.
		kept := s.plan[:0]
		for _, st := range s.plan {
			if st.kind != stepStart {
				kept = append(kept, st)
			}
		}
		s.plan = kept
	}
}

// stopChild begins stopping c and reports whether to wait for it to be gone.
func (s *supervisor) stopChild(c *child) bool {
	switch c.state {
	case stDown:
		return false
	case stStopping:
		// Already on its way out on its own: this planned stop covers it.
		c.ownExit = false
		return true
	}
	c.ownExit = false
	s.beginStop(c)
	return c.state != stDown
}

// beginStop sends c the stop its type calls for and arms its shutdown timer.
func (s *supervisor) beginStop(c *child) {
	c.state = stStopping
	c.wd.stop()
	c.publish()
	sd := c.shutdown()
	if sd.BrutalKill {
		s.kill(c)
		s.ctx.Stop(c.cur)
		s.detach(c)
		s.childGone(c)
		return
	}
	switch {
	case c.node.IsSupervisor() && !c.failedMB:
		// An ordered stop: the child supervisor stops its own children in
		// reverse order first (protoactor's Stop would stop them all at once).
		s.ctx.Send(c.cur, &stopRequest{})
	case !c.node.IsSupervisor() && !c.ownExit:
		// A planned stop of a healthy worker goes in message order, so it
		// still acts on the answers already in its mailbox (OTP's shutdown
		// exit signal); a failed worker's mailbox is suspended, so it gets
		// protoactor's Stop.
		s.ctx.Send(c.cur, stopWorker)
	default:
		s.ctx.Stop(c.cur)
	}
	if !sd.Infinity {
		gen, self, sys := c.gen, s.ctx.Self(), s.t.system
		c.stopTimer = s.t.clock.AfterFunc(sd.Timeout, func() { sys.Root.Send(self, &stopTimeout{c: c, gen: gen}) })
	}
}

// childDied handles a running child that failed: it is stopped, and its exit
// is handled once it is gone.
func (s *supervisor) childDied(c *child, err error, kind ExitKind) {
	c.ownExit, c.exitKind, c.exitErr = true, kind, err
	if kind != ExitNormal {
		c.lastErr = err
	}
	s.beginStop(c)
}

func (s *supervisor) childReady(pid *actor.PID) {
	c := s.byPID[pid]
	if c == nil || c.cur != pid || c.state != stStarting {
		return
	}
	s.markUp(c)
}

// markUp records that a starting child is ready.
func (s *supervisor) markUp(c *child) {
	c.state = stUp
	c.publish()
	s.armWatchdog(c)
	if s.t.wants(slog.LevelInfo) {
		s.t.emit(&ChildStarted{Node: c.path, Restarts: c.restarts})
	}
	if s.waitingFor(stepStart, c) {
		s.wait = nil
	}
}

func (s *supervisor) childTerminated(pid *actor.PID) {
	c := s.byPID[pid]
	if c == nil || c.cur != pid {
		return
	}
	switch c.state {
	case stStarting, stUp:
		// It stopped itself: a normal exit.
		c.ownExit, c.exitKind, c.exitErr = true, ExitNormal, nil
		if s.waitingFor(stepStart, c) {
			s.wait = nil
		}
	}
	s.childGone(c)
}

func (s *supervisor) stopTimedOut(m *stopTimeout) {
	c := m.c
	if c.gen != m.gen || c.state != stStopping {
		return
	}
	s.t.emit(&ShutdownOverrun{Node: c.path, Shutdown: c.shutdown().Timeout})
	s.kill(c)
	s.ctx.Stop(c.cur) // a worker still busy with its mailbox stops at its next turn
	s.detach(c)
	s.childGone(c)
}

// kill ends what a worker holds from outside (actors.Killer).
func (s *supervisor) kill(c *child) {
	if c.inst != nil {
		c.inst.Kill()
	}
}

// detach makes protoactor forget a child that will not stop in time, so this
// supervisor's own stop does not wait for it forever: protoactor removes a
// child from its parent when the parent receives Terminated for it.
func (s *supervisor) detach(c *child) {
	self := s.ctx.Self()
	if p, ok := s.t.system.ProcessRegistry.Get(self); ok {
		p.SendSystemMessage(self, &actor.Terminated{Who: c.cur})
	}
}

// childGone records that c's incarnation is over and queues its exit when
// it ended on its own.
func (s *supervisor) childGone(c *child) {
	if c.stopTimer != nil {
		c.stopTimer.Stop()
		c.stopTimer = nil
	}
	c.wd.stop()
	delete(s.byPID, c.cur)
	c.setPID(nil)
	c.inst = nil
	c.state = stDown
	if c.ownExit {
		c.ownExit = false
		s.exits = append(s.exits, exitEvent{c: c, gen: c.gen, kind: c.exitKind, err: c.exitErr})
	} else {
		if s.t.wants(slog.LevelInfo) {
			s.t.emit(&ChildStopped{Node: c.path})
		}
	}
	if s.waitingFor(stepStop, c) {
		s.wait = nil
	}
	if c.removed {
		s.forget(c)
	} else {
		c.publish()
	}
}

// forget removes a child record for good (temporary dynamic children,
// DeleteChild, children removed by a reload).
func (s *supervisor) forget(c *child) {
	for i, x := range s.children {
		if x == c {
			s.children = append(s.children[:i:i], s.children[i+1:]...)
			break
		}
	}
	s.sibs.set(s.children)
	s.t.reg.remove(c.path)
}
