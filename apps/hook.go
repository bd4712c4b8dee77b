package apps

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// Go hooks: what stompclt does with Perl callback code beyond header
// rules. A program registers a function as a middle-stage kind and names
// that kind in a transfer's `hook:`; a kind of its own that takes `to:`
// and relays answers works too.

// HookFunc looks at one message and returns the message to pass on (m or
// a new one), nil to drop it — it is then confirmed to the source, which
// removes or acknowledges it, as a stompclt callback dropping a message
// consumes it — or an error to reject it (the source moves the element
// aside or NACKs the broker message). It runs in the stage's actor: keep
// it quick.
type HookFunc func(m *queue.Message) (*queue.Message, error)

// RegisterHook registers fn as the middle-stage kind name (with one field,
// `to:`, the next stage). Call it from init, before trees are loaded.
func RegisterHook(name, summary string, fn HookFunc) {
	actors.Register(actors.Kind{
		Name:    name,
		Summary: summary,
		Spec: actors.NewSpec().
			Field(actors.Sibling("to").Required().Description("sibling stage the messages are delivered to")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &hookStage{relay: newRelay(cfg), fn: fn}, nil },
	})
}

type hookStage struct {
	relay
	fn HookFunc
}

// Receive implements actor.Actor.
func (h *hookStage) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *queue.Deliver:
		out, err := h.fn(m.Message)
		switch {
		case err != nil:
			queue.Answer(ctx, ctx.Sender(), m.ID, err)
		case out == nil:
			queue.Answer(ctx, ctx.Sender(), m.ID, nil)
		default:
			h.forward(ctx, m, out)
		}
	case *retryHeld:
		h.retry(ctx)
	case *queue.Confirm:
		h.relayAnswer(ctx, m.ID, m, nil)
	case *queue.Reject:
		h.relayAnswer(ctx, m.ID, m, nil) // as it came: a Reject without a reason stays a Reject
	}
}
