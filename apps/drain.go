package apps

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// The transfer.drain kind makes a stop graceful. It sits right after the
// source, so a stop (which goes in reverse order) reaches it first: it
// tells the transfer's stats stage — the gate every message passes — to
// pass nothing new on, and waits, at most `timeout`, until what is in
// flight was answered. Only then does the source stop, and what it
// releases was never sent: a SIGTERM does not make duplicates. A restart
// of the source passes through here too; the drain then only waits for
// answers already on their way, and a new incarnation reopens the gate.

const drainKind = "transfer.drain"

// defaultDrain is how long a stop waits for in-flight messages.
const defaultDrain = 10 * time.Second

func init() {
	actors.Register(actors.Kind{
		Name:    drainKind,
		Summary: "on stop, holds new messages at the gate and waits for those in flight (graceful drain)",
		Spec: actors.NewSpec().
			Field(actors.Sibling("gate").Required().Description("the transfer.stats stage all messages pass")).
			Field(actors.StringList("upstream").Description("the stages between the gate and the source, and the source, in that order: the drain waits until each has handled the answers relayed to it")).
			Field(actors.Duration("timeout").Default(defaultDrain).Description("longest wait for in-flight messages (the node's shutdown must be longer)")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &drainer{cfg: cfg}, nil },
	})
}

// drainRequest asks the gate to hold new messages and to close done once
// nothing is in flight.
type drainRequest struct{ done chan struct{} }

// drainResume reopens the gate after a restart.
type drainResume struct{}

type drainer struct{ cfg *actors.Config }

// flushUpstream waits until every stage up to the source has handled the
// answers the gate relayed: a stop would otherwise discard those still in
// a mailbox (protoactor handles a stop before queued messages), and the
// source would release elements the sink had confirmed. A Touch is
// answered in mailbox order, after the answers queued before it.
func (d *drainer) flushUpstream(ctx actor.Context, deadline time.Time) {
	env := d.cfg.Env()
	if env == nil || !d.cfg.Has("upstream") {
		return
	}
	for _, name := range d.cfg.Strings("upstream") {
		pid := env.Sibling(name)
		left := time.Until(deadline)
		if pid == nil || left <= 0 {
			return
		}
		if _, err := ctx.RequestFuture(pid, &actor.Touch{}, left).Result(); err != nil {
			return // stopped meanwhile, or out of time
		}
	}
}

// Receive implements actor.Actor. The wait in Stopping blocks only this
// actor (bounded by timeout); the gate keeps relaying answers meanwhile.
func (d *drainer) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		if gate := d.cfg.SiblingPID("gate"); gate != nil {
			ctx.Send(gate, &drainResume{})
		}
	case *actor.Stopping:
		gate := d.cfg.SiblingPID("gate")
		if gate == nil {
			return
		}
		done := make(chan struct{})
		ctx.Send(gate, &drainRequest{done: done})
		timeout := d.cfg.Duration("timeout")
		deadline := time.Now().Add(timeout)
		t := time.NewTimer(timeout)
		defer t.Stop()
		tick := time.NewTicker(relayRetry)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-done:
				break wait
			case <-tick.C:
				if d.cfg.SiblingPID("gate") != gate {
					return // the gate is gone: it answers nothing any more
				}
			case <-t.C:
				logger(ctx, d.cfg).Warn("drain timed out: in-flight messages will be offered again", "timeout", timeout)
				return
			}
		}
		d.flushUpstream(ctx, deadline)
	}
}
