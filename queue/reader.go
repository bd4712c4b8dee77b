package queue

import (
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
)

// The queue.reader kind: the source stage of a transfer out of a directory
// queue. It locks elements in queue order, Delivers them to the `to:`
// sibling with at most `window` unanswered, and removes (or, with
// `remove: false`, unlocks) an element only when its Confirm arrives. When it
// stops or restarts it unlocks the elements still in flight, so they are
// offered again: nothing is removed that was not confirmed. Removing (or
// unlocking) confirmed elements is the settler's work, in a goroutine the
// reader owns (settler.go), while the reader reads ahead.

func init() {
	actors.Register(actors.Kind{
		Name:    "queue.reader",
		Summary: "reads a directory queue and delivers each element downstream, removing it once confirmed",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("directory of the queue to read").Example("/var/spool/bricks/out")).
			Field(actors.String("type").Default("dqs").Enum("dqs", "dqn").Description("queue flavour: dqs (simple, JSON elements) or dqn (normal, python-messaging schema)")).
			Field(actors.Sibling("to").Required().Description("sibling stage the messages are delivered to")).
			Field(actors.Int("window").Default(100).Description("most messages delivered and not yet confirmed")).
			Field(actors.Bool("remove").Default(true).Description("remove confirmed elements; false unlocks them (they are read again)")).
			Field(actors.Bool("loop").Default(true).Description("keep polling the queue once it is drained; false stops the reader normally when drained")).
			Field(actors.Duration("poll").Default(time.Second).Description("pause between scans of a drained queue")).
			Field(actors.Int("count").Default(0).Description("stop normally after this many confirmed messages (0: no limit)")),
		Validate: func(cfg *actors.Config) error {
			if cfg.Int("window") < 1 {
				return fmt.Errorf("window: must be at least 1, got %d", cfg.Int("window"))
			}
			return nil
		},
		New: newReader,
	})
}

type reader struct {
	cfg    *actors.Config
	q      Queue
	window int
	count  int
	remove bool // read once: settle runs per element

	settler   *settler
	next      func() (string, error, bool) // pull iterator over the current scan
	stopIter  func()
	inflight  map[string]struct{}
	delivered int // Delivers sent, counted against `count`
	confirmed int
	polling   bool // a poll timer is pending
	passDone  bool // with loop: false, the one scan has ended: no other starts
	timers    *scheduler.TimerScheduler
}

// openReaderQueue is Open; tests put a queue that misbehaves in between.
var openReaderQueue = Open

// pump asks the reader to deliver up to its window.
type pump struct{}

var pumpMsg = &pump{}

func newReader(cfg *actors.Config) (actor.Actor, error) {
	return &reader{cfg: cfg, window: cfg.Int("window"), count: cfg.Int("count"), remove: cfg.Bool("remove"),
		inflight: map[string]struct{}{}}, nil
}

// Receive implements actor.Actor.
func (r *reader) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		q, err := openReaderQueue(r.cfg.String("type"), r.cfg.String("path"))
		if err != nil {
			actors.Fail(ctx, err)
		}
		r.q = q
		log := r.logger(ctx)
		r.settler = newSettler(q, r.remove, r.window, func(name string, err error) {
			log.Warn("confirmed element had lost its lock (a purge took it for stale); it may be sent again", "element", name, "err", err)
		})
		actors.Go(ctx, r.settler.run)
		r.timers = scheduler.NewTimerScheduler(ctx.ActorSystem().Root)
		r.pump(ctx)
	case *pump:
		r.polling = false
		r.pump(ctx)
	case *Confirm:
		r.settle(ctx, m.ID, nil)
	case *Reject:
		r.settle(ctx, m.ID, m.Reason)
	case *actor.Stopping, *actor.Restarting:
		r.release(ctx)
	}
}

// pump delivers elements until the window is full, the count is reached or
// the scan is exhausted.
func (r *reader) pump(ctx actor.Context) {
	for len(r.inflight) < r.window && (r.count == 0 || r.delivered < r.count) {
		to := r.cfg.SiblingPID("to")
		if to == nil { // the next stage is restarting: try again shortly
			r.schedule(ctx, r.cfg.Duration("poll"))
			return
		}
		name, ok := r.nextName(ctx)
		if !ok {
			r.drained(ctx)
			return
		}
		msg, ok := r.take(ctx, name)
		if !ok {
			continue
		}
		r.inflight[name] = struct{}{}
		r.delivered++
		ctx.Request(to, &Deliver{ID: name, Message: msg})
	}
}

// take locks an element and reads it; corrupt elements are quarantined and
// skipped, elements taken by another consumer are skipped.
func (r *reader) take(ctx actor.Context, name string) (*Message, bool) {
	locked, err := r.q.Lock(name)
	if err != nil {
		actors.Fail(ctx, err)
	}
	if !locked {
		return nil, false
	}
	msg, err := r.q.GetMessage(name)
	if err == nil {
		return msg, true
	}
	if errors.Is(err, ErrCorrupt) {
		r.quarantine(ctx, name, err)
		return nil, false
	}
	if lockLost(err) {
		// The lock is gone already: a purge elsewhere found it stale in
		// the moment between the link and the touch that dates it (the
		// new link carries the element's old mtime). It is not ours any
		// more; the element is offered again, to us or to another reader.
		r.logger(ctx).Warn("element lost its lock before it was read; skipped", "element", name, "err", err)
		return nil, false
	}
	_ = r.q.Unlock(name)
	actors.Fail(ctx, err)
	return nil, false
}

func (r *reader) quarantine(ctx actor.Context, name string, reason error) {
	where, err := r.q.Quarantine(name, reason)
	if err != nil {
		actors.Fail(ctx, fmt.Errorf("quarantining %s: %w", name, err))
	}
	r.logger(ctx).Warn("element moved aside", "element", name, "to", where, "reason", reason)
}

// nextName returns the next element name of the current scan, starting a
// new scan when there is none.
func (r *reader) nextName(ctx actor.Context) (string, bool) {
	if r.passDone {
		return "", false
	}
	if r.next == nil {
		r.next, r.stopIter = iter.Pull2(r.q.Names())
	}
	name, err, ok := r.next()
	if err != nil {
		actors.Fail(ctx, err)
	}
	if !ok {
		r.endScan()
		return "", false
	}
	return name, true
}

func (r *reader) endScan() {
	if r.stopIter != nil {
		r.stopIter()
	}
	r.next, r.stopIter = nil, nil
}

// drained is called when a scan found nothing more to deliver.
func (r *reader) drained(ctx actor.Context) {
	if !r.cfg.Bool("loop") {
		// One pass only: a new scan would meet again the elements this one
		// unlocked (remove: false) and send them forever.
		r.passDone = true
		if len(r.inflight) == 0 {
			actors.StopNormal(ctx)
		}
		return // the last Confirm pumps again and stops
	}
	r.schedule(ctx, r.cfg.Duration("poll"))
}

func (r *reader) schedule(ctx actor.Context, after time.Duration) {
	if r.polling {
		return
	}
	r.polling = true
	r.timers.SendOnce(after, ctx.Self(), pumpMsg)
}

// settle acts on the answer for one delivered element.
func (r *reader) settle(ctx actor.Context, name string, reason error) {
	if _, ok := r.inflight[name]; !ok {
		return // an answer for an element of a previous incarnation
	}
	delete(r.inflight, name)
	switch {
	case reason != nil:
		r.quarantine(ctx, name, reason)
	case !r.settler.add(name): // the settler lags a window behind
		if err := r.settler.settle(name); err != nil {
			actors.Fail(ctx, err)
		}
	}
	r.confirmed++
	if r.count > 0 && r.confirmed >= r.count {
		actors.StopNormal(ctx)
		return
	}
	if !r.polling {
		r.pump(ctx)
	}
}

// release unlocks what is still in flight so it is offered again.
func (r *reader) release(ctx actor.Context) {
	r.endScan()
	if r.q == nil {
		return
	}
	for name := range r.inflight {
		if err := r.q.Unlock(name); err != nil {
			r.logger(ctx).Warn("cannot unlock in-flight element; purge will", "element", name, "err", err)
		}
	}
	r.inflight = map[string]struct{}{}
	// Confirmed elements the settler has not taken yet are settled here:
	// left locked, they would be sent again once purge unlocked them.
	r.settler.drain(func(name string, err error) {
		r.logger(ctx).Warn("cannot settle confirmed element; purge will unlock it", "element", name, "err", err)
	})
}

func (r *reader) logger(ctx actor.Context) interface {
	Warn(string, ...any)
	Error(string, ...any)
} {
	if env := r.cfg.Env(); env != nil {
		return env.Logger()
	}
	return ctx.Logger()
}
