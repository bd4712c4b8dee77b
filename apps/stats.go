package apps

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// The transfer.stats kind counts what a transfer moved — messages, bytes,
// rate — and logs it when the process gets SIGUSR1 and whenever the stage
// stops (at exit). It is a middle stage placed just before the sink, so it
// counts a message when the sink confirmed it: what is counted arrived.
// It also bounds a transfer's `duration`: once it is over it passes nothing
// new on, waits for the answers of what is in flight, and ends normally,
// which ends the transfer; what it held back stays with the source
// (unlocked, or unacknowledged) for next time.

const statsKind = "transfer.stats"

func init() {
	actors.Register(actors.Kind{
		Name:    statsKind,
		Summary: "counts the messages and bytes a transfer confirmed, logs them on SIGUSR1 and at exit, and ends the transfer after its duration",
		Spec: actors.NewSpec().
			Field(actors.Sibling("to").Required().Description("sibling stage (the sink) the messages are delivered to")).
			Field(actors.String("transfer").Description("name shown in the statistics log lines (default: the node path)")).
			Field(actors.Duration("duration").Default(time.Duration(0)).Description("stop taking messages after this long, drain, and end normally (0: no limit)")).
			Field(actors.Duration("inactivity").Default(time.Duration(0)).Description("end normally once no message arrived for this long (stompclt's --timeout-inactivity; 0: never)")).
			Field(actors.Duration("interval").Default(time.Duration(0)).Description("also log the statistics this often (0: only on SIGUSR1 and at exit)")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &statsStage{relay: newRelay(cfg)}, nil },
	})
}

// Statistics are the totals of one transfer since the process started,
// kept across restarts of its stages.
type Statistics struct {
	Messages int64     // confirmed by the sink
	Bytes    int64     // their serialized size
	Rejected int64     // refused by the sink for good
	First    time.Time // first confirmation
	Last     time.Time // latest confirmation
}

// Elapsed is the time between the first and the latest confirmation.
func (s Statistics) Elapsed() time.Duration { return s.Last.Sub(s.First) }

// attrs are the statistics as log attributes; rates appear once there is
// a time span to divide by.
func (s Statistics) attrs() []any {
	a := []any{slog.Int64("messages", s.Messages), slog.Int64("bytes", s.Bytes), slog.Int64("rejected", s.Rejected)}
	if s.Messages > 0 {
		a = append(a, slog.Int64("avg_size", s.Bytes/s.Messages))
	}
	if sec := s.Elapsed().Seconds(); s.Messages > 1 && sec > 0 {
		a = append(a, slog.Float64("seconds", sec),
			slog.Float64("msg_per_s", float64(s.Messages)/sec),
			slog.Float64("mb_per_s", float64(s.Bytes)/sec/(1<<20)))
	}
	return a
}

var (
	statsMu  sync.Mutex
	statsReg = map[string]*Statistics{}
)

// TransferStatistics returns the totals of the transfer whose stats stage
// runs at node path (e.g. "mta/outbox/stats").
func TransferStatistics(path string) (Statistics, bool) {
	statsMu.Lock()
	defer statsMu.Unlock()
	s, ok := statsReg[path]
	if !ok {
		return Statistics{}, false
	}
	return *s, true
}

func statsFor(path string) *Statistics {
	statsMu.Lock()
	defer statsMu.Unlock()
	s := statsReg[path]
	if s == nil {
		s = &Statistics{}
		statsReg[path] = s
	}
	return s
}

type (
	logStats     struct{}
	durationOver struct{}
	checkIdle    struct{}
)

type statsStage struct {
	relay
	key       string
	stats     *Statistics
	draining  bool          // passing nothing new on
	ended     bool          // duration or inactivity over: end once drained
	stopDrain chan struct{} // a stop's drain, closed once nothing is in flight
	lastSeen  time.Time     // last Deliver, for inactivity
	idle      time.Duration // the inactivity bound (0: none, lastSeen unused)
	timers    *scheduler.TimerScheduler
	cancels   []scheduler.CancelFunc
	log       *slog.Logger
}

// Receive implements actor.Actor.
func (s *statsStage) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.start(ctx)
	case *queue.Deliver:
		if s.draining {
			// Held back, not dropped: a stop ends this stage after the
			// source, which releases it; after a restart of the source,
			// the new incarnation delivers before its drain reopens the
			// gate, and must not wait forever for an answer.
			s.held = append(s.held, heldMsg{id: m.ID, from: ctx.Sender(), msg: m.Message})
			return
		}
		s.seen()
		s.forward(ctx, m, m.Message)
	case *retryHeld:
		if s.draining { // held until the gate reopens
			s.retrying = false
			return
		}
		s.retry(ctx)
	case *queue.Confirm:
		s.seen() // a slow sink is not an idle transfer
		s.relayAnswer(ctx, m.ID, m, func(p inFlight) { s.count(p.size) })
		s.maybeDone(ctx)
	case *queue.Reject:
		s.relayAnswer(ctx, m.ID, m, func(inFlight) {
			statsMu.Lock()
			s.stats.Rejected++
			statsMu.Unlock()
		})
		s.maybeDone(ctx)
	case *logStats:
		s.report("transfer statistics")
	case *drainRequest:
		if !s.draining {
			s.log.Info("stopping: draining", "in_flight", len(s.pending))
		}
		s.draining, s.stopDrain = true, m.done
		if s.cfg.SiblingPID("to") == nil {
			// The sink is gone (a restart after its failure): nothing in
			// flight will be answered, so there is nothing to wait for.
			close(s.stopDrain)
			s.stopDrain = nil
		}
		s.maybeDone(ctx)
	case *drainResume:
		s.draining = s.ended
		if !s.draining && len(s.held) > 0 {
			s.retry(ctx)
		}
	case *durationOver:
		s.drain(ctx, "duration reached: draining")
	case *checkIdle:
		if idle := time.Since(s.lastSeen); !s.draining && idle >= s.cfg.Duration("inactivity") {
			s.drain(ctx, "inactive: draining")
		}
	case *actor.Stopping:
		s.stop()
		if s.stopDrain != nil { // the drainer gave up waiting
			close(s.stopDrain)
			s.stopDrain = nil
		}
		s.report("transfer statistics at exit")
	case *actor.Restarting:
		s.stop()
	}
}

func (s *statsStage) start(ctx actor.Context) {
	s.key = s.cfg.String("transfer")
	s.log = ctx.Logger()
	if env := s.cfg.Env(); env != nil {
		s.key, s.log = env.Path(), env.Logger()
	}
	if name := s.cfg.String("transfer"); name != "" {
		s.log = s.log.With("transfer", name)
	}
	s.stats = statsFor(s.key)
	s.timers = scheduler.NewTimerScheduler(ctx.ActorSystem().Root)
	self, root := ctx.Self(), ctx.ActorSystem().Root
	if d := s.cfg.Duration("duration"); d > 0 {
		s.cancels = append(s.cancels, s.timers.SendOnce(d, self, &durationOver{}))
	}
	if d := s.cfg.Duration("inactivity"); d > 0 {
		s.idle, s.lastSeen = d, time.Now()
		s.cancels = append(s.cancels, s.timers.SendRepeatedly(d/4, d/4, self, &checkIdle{}))
	}
	if iv := s.cfg.Duration("interval"); iv > 0 {
		s.cancels = append(s.cancels, s.timers.SendRepeatedly(iv, iv, self, &logStats{}))
	}
	actors.Go(ctx, func(c context.Context) error {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGUSR1)
		defer signal.Stop(sig)
		for {
			select {
			case <-c.Done():
				return nil
			case <-sig:
				root.Send(self, &logStats{})
			}
		}
	})
}

// seen records activity for the inactivity bound; without one, reading
// the clock twice per message would be wasted.
func (s *statsStage) seen() {
	if s.idle > 0 {
		s.lastSeen = time.Now()
	}
}

func (s *statsStage) stop() {
	for _, c := range s.cancels {
		c()
	}
	s.cancels = nil
}

func (s *statsStage) count(size int) {
	now := time.Now()
	statsMu.Lock()
	defer statsMu.Unlock()
	if s.stats.Messages == 0 {
		s.stats.First = now
	}
	s.stats.Messages++
	s.stats.Bytes += int64(size)
	s.stats.Last = now
}

// drain takes nothing new from now on and ends the stage once what is in
// flight was answered.
func (s *statsStage) drain(ctx actor.Context, why string) {
	s.log.Info(why, "in_flight", len(s.pending))
	s.draining, s.ended = true, true
	s.maybeDone(ctx)
}

// maybeDone acts once draining left nothing in flight: it tells a stop's
// drain, and ends the stage normally when its duration or inactivity is
// over.
func (s *statsStage) maybeDone(ctx actor.Context) {
	if !s.draining || len(s.pending) > 0 {
		return
	}
	if s.stopDrain != nil {
		close(s.stopDrain)
		s.stopDrain = nil
	}
	if s.ended {
		actors.StopNormal(ctx)
	}
}

func (s *statsStage) report(msg string) {
	if s.stats == nil {
		return
	}
	statsMu.Lock()
	snap := *s.stats
	statsMu.Unlock()
	s.log.Info(msg, snap.attrs()...)
}
