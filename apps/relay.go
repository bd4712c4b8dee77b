package apps

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// relay is the plumbing every middle stage of a pipeline shares: it passes
// a Deliver on to the sibling named by `to:` and sends the answer back to
// whoever delivered, by ID. A middle stage never answers on its own: the
// source learns "durable" only from the sink, through every stage between.
type relay struct {
	cfg     *actors.Config
	pending map[string]inFlight
}

// inFlight is a message passed on and not yet answered.
type inFlight struct {
	from *actor.PID // who delivered it: the answer goes there
	size int        // serialized size, for statistics
}

func newRelay(cfg *actors.Config) relay {
	return relay{cfg: cfg, pending: map[string]inFlight{}}
}

// forward passes msg downstream under the Deliver's ID. A missing next
// stage (it is restarting) fails this stage, so rest_for_one restarts the
// source too, which offers the message again.
func (r *relay) forward(ctx actor.Context, d *queue.Deliver, msg *queue.Message) {
	to := r.cfg.SiblingPID("to")
	if to == nil {
		actors.Fail(ctx, fmt.Errorf("next stage %q is not running", r.cfg.String("to")))
	}
	r.pending[d.ID] = inFlight{from: ctx.Sender(), size: msg.Size()}
	ctx.Request(to, &queue.Deliver{ID: d.ID, Message: msg})
}

// answer relays a Confirm or Reject upstream and returns what was in
// flight; ok is false for an ID this incarnation never passed on (an
// answer to a previous one), which is dropped.
func (r *relay) answer(ctx actor.Context, id string, reason error) (inFlight, bool) {
	p, ok := r.pending[id]
	if !ok {
		return inFlight{}, false
	}
	delete(r.pending, id)
	queue.Answer(ctx, p.from, id, reason)
	return p, true
}
