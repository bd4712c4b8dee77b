package supervision

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// tree is what every supervisor of one running tree shares.
type tree struct {
	system *actor.ActorSystem
	disp   *dispatcher
	logger *slog.Logger
	hook   EventHook
	clock  Clock
	reg    *registry
}

func (t *tree) emit(ev Event) { t.emitLog(ev, true) }

// emitLog gives ev to the hook and, when log is set, to the logger.
func (t *tree) emitLog(ev Event, log bool) {
	if t.hook != nil {
		t.hook(ev)
	}
	if !log || !t.logger.Enabled(context.Background(), slog.LevelError) { // a logger that drops everything costs nothing
		return
	}
	lvl, msg, attrs := ev.log()
	t.logger.LogAttrs(context.Background(), lvl, msg, attrs...)
}

// wants reports whether an event of level l has a subscriber, so frequent
// events are not even built when nobody listens.
func (t *tree) wants(l slog.Level) bool {
	return t.hook != nil || t.logger.Enabled(context.Background(), l)
}

// phase is where a supervisor is in its own lifecycle.
type phase int

const (
	phStarting phase = iota // starting its children for the first time
	phRunning               // supervising
	phGivingUp              // stopping its children after too many restarts
	phCooldown              // waiting to start them again
	phStopping              // stopping its children because it stops
	phDone                  // nothing left to do
)

// supervisor is the actor behind a supervisor node. It owns its children's
// records and does everything in its own goroutine: protoactor delivers it
// child failures (it implements actor.SupervisorStrategy), terminations,
// readiness and timer messages, and it works through a plan of steps
// (start this child, stop that one, wait, reply) one at a time, waiting for
// each child to be ready or gone before the next step, as an OTP supervisor
// does synchronously.
type supervisor struct {
	t      *tree
	node   *Node
	path   string
	ctx    actor.Context
	phase  phase
	window *restartWindow

	children []*child
	byPID    map[*actor.PID]*child
	sibs     *siblings
	seq      int // order numbers given to children

	plan  []step
	wait  *step
	exits []exitEvent
	token int // invalidates stale delay and cool-down timers

	// onReady learns the supervisor's readiness synchronously when its
	// parent started it inline (see child.readyHook).
	onReady func() bool

	// top is set on the hidden supervisor above the root: it reports to
	// Running instead of a parent.
	top *topHooks
}

// topHooks are how the hidden top supervisor tells Running what happened.
type topHooks struct {
	started func(error)
	done    func(error)
	err     error
}

func newSupervisor(t *tree, n *Node, path string) *supervisor {
	s := &supervisor{t: t, node: n, path: path, byPID: make(map[*actor.PID]*child, len(n.Children)),
		sibs: &siblings{}, window: newRestartWindow(intensityOf(n)), children: make([]*child, 0, len(n.Children))}
	for _, cn := range n.Children {
		s.children = append(s.children, s.newChild(cn, false))
	}
	s.sibs.set(s.children)
	return s
}

// noValues is the `with:` of workers built in Go without one; Config
// values are read-only, so they can all share it.
var noValues = map[string]any{}

// intensityOf returns the node's intensity. The loader fills in OTP
// defaults, so zero means zero: any restart makes the supervisor give up.
func intensityOf(n *Node) int { return n.Intensity }

func periodOf(n *Node) time.Duration {
	if n.Period <= 0 {
		return DefaultPeriod
	}
	return n.Period
}

func (s *supervisor) newChild(n *Node, dynamic bool) *child {
	path := n.Name
	if s.path != "" {
		path = s.path + "/" + n.Name
	}
	s.seq++
	c := &child{node: n, name: n.Name, kind: n.Kind, path: path, parent: s.path, idx: s.seq, dynamic: dynamic}
	c.envv = nodeEnv{path: path, base: s.t.logger, sibs: s.sibs}
	c.dispv.pool = s.t.disp
	c.env, c.disp = &c.envv, &c.dispv
	if n.IsSupervisor() {
		c.sync = true
		c.props = actor.PropsFromProducer(func() actor.Actor {
			sv := newSupervisor(s.t, c.node, path)
			sv.onReady = c.readyHook(c.gen)
			return sv
		}, actor.WithDispatcher(c.disp))
	} else if k, ok := actors.Lookup(n.Kind); ok {
		cfg := n.With
		if cfg == nil {
			cfg = actors.NewConfig(k.Spec, noValues)
		}
		cfg = cfg.WithEnv(c.env)
		c.sync = !k.SignalsReady
		c.props = actor.PropsFromProducer(func() actor.Actor {
			c.inst = actors.New(k, cfg)
			if c.sync {
				c.inst.OnReady(c.readyHook(c.gen))
			}
			return c.inst
		}, actor.WithDispatcher(c.disp))
	}
	c.publish()
	s.t.reg.add(c)
	return c
}

// Receive handles the supervisor's messages.
func (s *supervisor) Receive(ctx actor.Context) {
	s.ctx = ctx
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.start()
	case *actors.Ready:
		s.childReady(ctx.Sender())
	case *actor.Terminated:
		s.childTerminated(msg.Who)
	case *stopTimeout:
		s.stopTimedOut(msg)
	case *delayDone:
		if msg.token == s.token && s.wait != nil && s.wait.kind == stepDelay {
			s.wait = nil
		}
	case *cooldownDone:
		s.cooldownOver(msg.token)
	case *watchdogTick:
		s.watchdogTick(msg)
	case *stopRequest:
		s.stop()
	case *request:
		s.handleRequest(msg)
	case *actor.Stopping:
		// Stopped by protoactor rather than by stopRequest (the actor system
		// going down, or the parent after this supervisor failed): the
		// children, if any are left, are stopped by protoactor.
		s.phase = phDone
		s.token++
		return
	default:
		return
	}
	s.advance()
}

// HandleFailure is called by protoactor, in this supervisor's goroutine,
// when a child failed (panicked, or failed through actors.Fail or a
// goroutine). The child's mailbox is suspended; it is stopped and its exit
// handled by the restart rules.
func (s *supervisor) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, who *actor.PID, _ *actor.RestartStatistics, reason any, _ any) {
	if ctx, ok := sup.(actor.Context); ok {
		s.ctx = ctx
	}
	c := s.byPID[who]
	if c == nil || c.cur != who {
		return // an incarnation we no longer track
	}
	err, kind := classify(reason)
	c.failedMB = true
	switch c.state {
	case stStarting:
		s.startFailed(c, err, kind)
	case stUp:
		s.childDied(c, err, kind)
	case stStopping:
		if c.node.IsSupervisor() {
			// It failed while stopping its children: a user message can no
			// longer reach it.
			s.ctx.Stop(who)
		}
	}
	s.advance()
}

// classify turns a failure reason into an error and the kind of exit.
func classify(reason any) (error, ExitKind) {
	switch r := reason.(type) {
	case *actors.Panicked:
		return r, ExitPanic
	case error:
		return r, ExitAbnormal
	}
	return fmt.Errorf("panic: %v", reason), ExitPanic
}

// start begins the initial start: every child in order, then readiness.
func (s *supervisor) start() {
	s.phase = phStarting
	s.plan = slices.Grow(s.plan[:0], len(s.children)+1)
	for _, c := range s.children {
		s.plan = append(s.plan, step{kind: stepStart, c: c})
	}
	s.plan = append(s.plan, step{kind: stepDo, do: s.started})
}

// started runs once every child is up: the supervisor is ready.
func (s *supervisor) started() {
	s.phase = phRunning
	if s.top != nil {
		s.top.started(nil)
		return
	}
	if s.onReady != nil && s.onReady() {
		return
	}
	if p := s.ctx.Parent(); p != nil {
		s.ctx.Request(p, &actors.Ready{})
	}
}

// stop stops every child in reverse order, then the supervisor itself.
func (s *supervisor) stop() {
	if s.phase == phStopping || s.phase == phDone {
		return
	}
	s.phase = phStopping
	s.haltAndStopAll(s.finishStop)
}

// haltAndStopAll abandons the current plan and pending exits and plans
// stopping every running child in reverse order, then then.
func (s *supervisor) haltAndStopAll(then func()) {
	s.token++
	s.wait = nil
	s.exits = nil
	s.plan = slices.Grow(s.plan[:0], len(s.children)+1)
	for i := len(s.children) - 1; i >= 0; i-- {
		if c := s.children[i]; c.state != stDown {
			s.plan = append(s.plan, step{kind: stepStop, c: c})
		}
	}
	s.plan = append(s.plan, step{kind: stepDo, do: then})
}

func (s *supervisor) finishStop() {
	s.phase = phDone
	s.ctx.Stop(s.ctx.Self())
	if s.top != nil {
		s.top.done(s.top.err)
	}
}

// fail ends this supervisor abnormally: its parent sees the failure, as
// for any child (the hidden top reports it to Running instead).
func (s *supervisor) fail(err error) {
	s.phase = phDone
	if s.top != nil {
		s.top.err = err
		s.ctx.Stop(s.ctx.Self())
		s.top.started(err)
		s.top.done(err)
		return
	}
	panic(err)
}
