package supervision

// watchdogState follows the progress count of a worker with `watchdog: D`.
// The supervisor looks every D/2; a count that did not move for two looks
// in a row means no progress for at least D, and the worker is failed (and
// killed if it does not stop within its shutdown: it may be stuck).
type watchdogState struct {
	timer  Timer
	last   uint64
	silent int
}

func (w *watchdogState) stop() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

type watchdogTick struct {
	c   *child
	gen int
}

func (s *supervisor) armWatchdog(c *child) {
	d := c.node.Watchdog
	if d <= 0 || c.inst == nil {
		return
	}
	if c.wd.timer == nil {
		c.wd.last, c.wd.silent = c.inst.Progress(), 0
	}
	gen, self, sys := c.gen, s.ctx.Self(), s.t.system
	c.wd.timer = s.t.clock.AfterFunc(d/2, func() { sys.Root.Send(self, &watchdogTick{c: c, gen: gen}) })
}

func (s *supervisor) watchdogTick(m *watchdogTick) {
	c := m.c
	if c.gen != m.gen || c.state != stUp || c.inst == nil {
		return
	}
	if p := c.inst.Progress(); p != c.wd.last {
		c.wd.last, c.wd.silent = p, 0
	} else if c.wd.silent++; c.wd.silent >= 2 {
		c.wd.timer = nil
		s.t.emit(&WatchdogFired{Node: c.path, Watchdog: c.node.Watchdog})
		s.childDied(c, ErrWatchdog, ExitAbnormal)
		return
	}
	s.armWatchdog(c)
}
