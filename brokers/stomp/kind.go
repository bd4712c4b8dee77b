package stomp

import (
	"fmt"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// The STOMP actor kinds wrap Sender and Receiver as stages of the pipeline
// protocol (queue/pipeline.go):
//
//   - stomp.sender (kind_sender.go) is a destination stage: each Deliver
//     becomes a SEND with a receipt, answered by Confirm once the RECEIPT
//     arrives, or by Reject when the broker refused that very message;
//   - stomp.receiver (kind_receiver.go) is a source stage: each MESSAGE is
//     Delivered to the `to:` sibling, and ACKed on Confirm, NACKed on Reject.
//
// Both share their connection fields (spec.go) and one shape: the actor
// never touches the network itself. On Started it starts one goroutine with
// actors.Go that connects, reports the connection by message, then moves
// messages between the library's channels and the actor's mailbox, and does
// the network writes the actor asks for through a channel. The actor keeps
// the bookkeeping (who sent what, what is acknowledged) and bounds what is in
// flight, so no channel or mailbox grows without limit. When the actor stops
// or restarts, the goroutine's context ends and it closes its Sender or
// Receiver: what was not confirmed is sent again by the restarted upstream,
// what was not acknowledged is redelivered by the broker. Duplicates are
// possible, loss is not. A connection that cannot be recovered (the
// library's reconnection attempts are exhausted) ends the goroutine with an
// error, which fails the actor: its supervisor decides what comes next.

// poster sends messages to an actor from the goroutine of one incarnation.
type poster struct {
	sys   *actor.ActorSystem
	self  *actor.PID
	owner actor.Actor
}

func posterOf(ctx actor.Context, owner actor.Actor) poster {
	return poster{sys: ctx.ActorSystem(), self: ctx.Self(), owner: owner}
}

func (p poster) post(msg any) { p.sys.Root.Send(p.self, &tagged{owner: p.owner, msg: msg}) }

// tagged is a message from an incarnation's goroutine. A restarted actor
// may find in its mailbox what the goroutine of its previous incarnation
// posted just before it ended (a Result, a Delivery, "connected"): those
// are not about the current connection and must be ignored.
type tagged struct {
	owner actor.Actor
	msg   any
}

// unwrap returns the message to handle for the actor me: ctx's message,
// unwrapped when it comes from me's own goroutine, nil when it comes from
// another incarnation's.
func unwrap(ctx actor.Context, me actor.Actor) any {
	t, ok := ctx.Message().(*tagged)
	switch {
	case !ok:
		return ctx.Message()
	case t.owner != me:
		return nil
	}
	return t.msg
}

// kindLogger returns the node's logger, or the actor system's outside a tree.
func kindLogger(ctx actor.Context, cfg *actors.Config) *slog.Logger {
	if env := cfg.Env(); env != nil {
		return env.Logger()
	}
	return ctx.Logger()
}

// atLeast checks that the integer field name of cfg is at least least.
func atLeast(cfg *actors.Config, name string, least int) error {
	if v := cfg.Int(name); v < least {
		return fmt.Errorf("%s: must be at least %d, got %d", name, least, v)
	}
	return nil
}
