package pipe

import (
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// SenderStage is the actor side every protocol's sender kind shares
// (stomp.sender, amqp.sender): per incarnation a fresh Sending with the
// kind's window and one goroutine, run, that connects, posts SenderUp once
// it can send, Sends what arrives on out and posts the broker's decisions
// back as Decisions. What differs between protocols lives in run.
type SenderStage struct {
	name   string // "stomp sender": errors and logs
	window int
	cfg    *actors.Config
	run    func(ctx context.Context, p Poster, out <-chan Outbound) error

	sending *Sending // every Deliver not yet answered; at most window with the goroutine
}

// SenderUp tells a sender stage that its goroutine is connected: the
// stage is ready and Delivers flow to the goroutine.
type SenderUp struct{}

// Decided is the broker's decision on one outbound message: Err nil
// (confirmed) or the reason to Reject it.
type Decided struct {
	ID  string
	Err error
}

// Decisions are decisions in the order they came; the goroutine posts
// every one waiting at once (Gather), one mailbox message per burst.
type Decisions []Decided

// NewSenderStage returns the stage of a sender kind named name (for
// errors and logs) with the given window and goroutine.
func NewSenderStage(name string, cfg *actors.Config, window int, run func(ctx context.Context, p Poster, out <-chan Outbound) error) *SenderStage {
	return &SenderStage{name: name, window: window, cfg: cfg, run: run}
}

// Receive handles msg, a message of owner's mailbox already unwrapped
// (Unwrap); it reports false for a message that is not the stage's.
func (s *SenderStage) Receive(ctx actor.Context, owner actor.Actor, msg any) bool {
	switch m := msg.(type) {
	case *actor.Started:
		// Fresh per incarnation: our own ids (the upstream's are unique
		// only per upstream), and at most window messages between the
		// actor and their decision, so the goroutine's Send never waits
		// for a window slot and no channel fills up.
		s.sending = NewSending(s.window)
		p := TaggedPosterOf(ctx, owner)
		out := s.sending.C()
		actors.Go(ctx, func(gctx context.Context) error { return s.run(gctx, p, out) })
	case *SenderUp:
		actors.SignalReady(ctx)
		s.sending.Open()
	case *queue.Deliver:
		if m.Message == nil {
			queue.Answer(ctx, ctx.Sender(), m.ID, fmt.Errorf("%s: Deliver without a message", s.name))
			return true
		}
		s.sending.Deliver(ctx, m)
	case Decisions:
		for _, d := range m {
			if up, ok := s.sending.Answer(ctx, d.ID, d.Err); ok && d.Err != nil {
				Logger(ctx, s.cfg).Warn(s.name+": message refused", "id", up, "destination", s.cfg.String("destination"), "err", d.Err)
			}
		}
	default:
		return false
	}
	return true
}
