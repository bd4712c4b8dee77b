package stomp

import (
	"fmt"

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
// the bookkeeping (brokers/internal/pipe, shared with the amqp kinds: who
// sent what, what is acknowledged) and bounds what is in flight, so no
// channel or mailbox grows without limit. The goroutine's messages are
// tagged with the incarnation (pipe.TaggedPosterOf): a restarted actor
// ignores what its previous incarnation's goroutine posted. When the actor stops
// or restarts, the goroutine's context ends and it closes its Sender or
// Receiver: what was not confirmed is sent again by the restarted upstream,
// what was not acknowledged is redelivered by the broker. Duplicates are
// possible, loss is not. A connection that cannot be recovered (the
// library's reconnection attempts are exhausted) ends the goroutine with an
// error, which fails the actor: its supervisor decides what comes next.

// atLeast checks that the integer field name of cfg is at least least.
func atLeast(cfg *actors.Config, name string, least int) error {
	if v := cfg.Int(name); v < least {
		return fmt.Errorf("%s: must be at least %d, got %d", name, least, v)
	}
	return nil
}
