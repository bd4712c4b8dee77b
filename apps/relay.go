package apps

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// relay is the plumbing every middle stage of a pipeline shares: it passes
// a Deliver on to the sibling named by `to:` and sends the answer back to
// whoever delivered, by ID. A middle stage never answers on its own: the
// source learns "durable" only from the sink, through every stage between.
type relay struct {
	cfg      *actors.Config
	pending  map[string]inFlight
	held     []heldMsg // waiting for the next stage to run again
	retrying bool      // a retryHeld is scheduled
}

// inFlight is a message passed on and not yet answered.
type inFlight struct {
	from *actor.PID // who delivered it: the answer goes there
	size int        // serialized size, for statistics
}

// heldMsg is a message that found no next stage.
type heldMsg struct {
	id   string
	from *actor.PID
	msg  *queue.Message
}

// retryHeld asks a stage to offer its held messages again.
type retryHeld struct{}

// relayRetry is how long a stage waits for its next stage to be running
// again (it is restarting).
const relayRetry = 100 * time.Millisecond

func newRelay(cfg *actors.Config) relay {
	return relay{cfg: cfg, pending: map[string]inFlight{}}
}

// forward passes msg downstream under the Deliver's ID. A stage that
// passes the message on unchanged forwards d itself: Deliver is never
// changed once sent, so sharing it is safe, and saves an allocation per
// message and hop.
func (r *relay) forward(ctx actor.Context, d *queue.Deliver, msg *queue.Message) {
	if msg == d.Message {
		r.passDeliver(ctx, d, ctx.Sender())
		return
	}
	r.pass(ctx, d.ID, ctx.Sender(), msg)
}

// pass sends one message on, or holds it while the next stage is not
// running: it is restarting, and so, in a rest_for_one pipeline, will this
// stage and the source be — the held messages then die with this
// incarnation and the source offers them again. Failing instead would
// count one failure twice against the supervisor's intensity.
func (r *relay) pass(ctx actor.Context, id string, from *actor.PID, msg *queue.Message) {
	to := r.cfg.SiblingPID("to")
	if to == nil {
		r.held = append(r.held, heldMsg{id: id, from: from, msg: msg})
		if !r.retrying {
			r.retrying = true
			scheduler.NewTimerScheduler(ctx.ActorSystem().Root).SendOnce(relayRetry, ctx.Self(), &retryHeld{})
		}
		return
	}
	r.pending[id] = inFlight{from: from, size: msg.Size()}
	ctx.Request(to, &queue.Deliver{ID: id, Message: msg})
}

// passDeliver is pass for a Deliver passed on as it came.
func (r *relay) passDeliver(ctx actor.Context, d *queue.Deliver, from *actor.PID) {
	to := r.cfg.SiblingPID("to")
	if to == nil {
		r.pass(ctx, d.ID, from, d.Message) // held
		return
	}
	r.pending[d.ID] = inFlight{from: from, size: d.Message.Size()}
	ctx.Request(to, d)
}

// retry offers the held messages again.
func (r *relay) retry(ctx actor.Context) {
	r.retrying = false
	held := r.held
	r.held = nil
	for _, h := range held {
		r.pass(ctx, h.id, h.from, h.msg)
	}
}

// relayAnswer is answer for the *queue.Confirm or *queue.Reject msg
// about id, passed upstream as it came (an answer is never changed once
// sent): no new answer per message and hop.
// account, if not nil, runs before the answer leaves: what the stage
// counts is current by the time the source acts on the answer.
func (r *relay) relayAnswer(ctx actor.Context, id string, msg any, account func(inFlight)) {
	p, ok := r.settle(id)
	if !ok {
		return
	}
	if account != nil {
		account(p)
	}
	if p.from != nil {
		ctx.Send(p.from, msg)
	}
}

// settle forgets the message in flight under id.
func (r *relay) settle(id string) (inFlight, bool) {
	p, ok := r.pending[id]
	if ok {
		delete(r.pending, id)
	}
	return p, ok
}
