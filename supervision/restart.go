package supervision

import (
	"fmt"
	"log/slog"
	"time"
)

func errUnknownKind(kind string) error { return fmt.Errorf("unknown kind %q", kind) }

// handleExit applies the restart type, the intensity and the strategy to a
// child that ended on its own.
func (s *supervisor) handleExit(ev exitEvent) {
	c := ev.c
	if s.phase != phRunning || c.gen != ev.gen || c.state != stDown || c.removed {
		return // superseded: restarted or stopped by a plan since
	}
	// One log line per exit: the restart (or the giving up) says it all
	// when there is one; the hook sees every event.
	restarts := s.top == nil && needsRestart(c.node.Restart, ev.kind)
	if s.t.wants(slog.LevelInfo) {
		s.t.emitLog(&ChildExited{Node: c.path, Exit: ev.kind, Reason: ev.err}, !restarts)
	}
	if s.top != nil {
		// The root ended: so does the tree.
		if ev.kind != ExitNormal {
			s.top.err = ev.err
		}
		s.stop()
		return
	}
	if !restarts {
		if c.dynamic && c.node.Restart == Temporary {
			c.removed = true
			s.forget(c)
		}
		s.significantEnded(c)
		return
	}
	now := s.t.clock.Now()
	if !s.window.allow(now, periodOf(s.node)) {
		s.giveUp(c, ev.err)
		return
	}
	c.restarts++
	if now.Sub(c.lastRestart) > max(s.node.Backoff.Max, periodOf(s.node)) {
		c.consecutive = 0
	}
	c.consecutive++
	c.lastRestart = now
	if s.t.wants(slog.LevelWarn) {
		s.t.emit(&ChildRestarted{Node: c.path, Restarts: c.restarts, Exit: ev.kind, Reason: ev.err})
	}

	i := s.indexOf(c)
	from, to := s.node.Strategy.scope(i, len(s.children))
	for j := to - 1; j >= from; j-- {
		if o := s.children[j]; o != c && o.state != stDown {
			s.plan = append(s.plan, step{kind: stepStop, c: o})
		}
	}
	if d := s.backoff(c.consecutive); d > 0 {
		s.t.emit(&BackoffWaiting{Node: c.path, Delay: d})
		s.plan = append(s.plan, step{kind: stepDelay, d: d})
	}
	for j := from; j < to; j++ {
		o := s.children[j]
		if o != c && o.node.Restart == Temporary {
			if o.dynamic {
				o.removed = true
			}
			continue // OTP: a temporary sibling is not restarted
		}
		s.plan = append(s.plan, step{kind: stepStart, c: o})
	}
	if s.node.Strategy != OneForOne {
		s.dropRemoved()
	}
}

// dropRemoved forgets removed children that are already down.
func (s *supervisor) dropRemoved() {
	for i := len(s.children) - 1; i >= 0; i-- {
		if c := s.children[i]; c.removed && c.state == stDown {
			s.forget(c)
		}
	}
}

func (s *supervisor) indexOf(c *child) int {
	for i, x := range s.children {
		if x == c {
			return i
		}
	}
	return -1
}

// backoff is the delay before the n-th restart in a row of one child:
// doubling from Backoff.Min up to Backoff.Max; none for the first restart or
// when backoff is off.
func (s *supervisor) backoff(n int) time.Duration {
	b := s.node.Backoff
	if b.Min <= 0 || n <= 1 {
		return 0
	}
	d := b.Min
	for i := 2; i < n && (b.Max <= 0 || d < b.Max); i++ {
		d *= 2
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	return d
}

// giveUp: more than intensity restarts within period. Stop every child in
// reverse order, then cool down or fail to the parent.
func (s *supervisor) giveUp(c *child, reason error) {
	s.t.emit(&IntensityExceeded{Supervisor: s.path, Child: c.path, Intensity: intensityOf(s.node),
		Period: periodOf(s.node), Reason: reason})
	err := &IntensityError{Supervisor: s.path, Child: c.path, Intensity: intensityOf(s.node),
		Period: periodOf(s.node), Reason: reason}
	s.phase = phGivingUp
	s.haltAndStopAll(func() {
		if s.node.Cooldown > 0 {
			s.coolDown()
			return
		}
		s.fail(err)
	})
}

func (s *supervisor) coolDown() {
	s.phase = phCooldown
	s.token++
	tok, self, sys := s.token, s.ctx.Self(), s.t.system
	s.t.emit(&CooldownStarted{Supervisor: s.path, Delay: s.node.Cooldown})
	s.t.clock.AfterFunc(s.node.Cooldown, func() { sys.Root.Send(self, &cooldownDone{token: tok}) })
}

// cooldownOver starts the children again with a fresh restart budget.
func (s *supervisor) cooldownOver(token int) {
	if token != s.token || s.phase != phCooldown {
		return
	}
	s.window.reset()
	s.phase = phRunning
	for _, c := range s.children {
		if c.node.Restart != Temporary {
			s.plan = append(s.plan, step{kind: stepStart, c: c})
		}
	}
}
