package queue

import "github.com/asynkron/protoactor-go/actor"

// The pipeline protocol: how stages of a transfer pass messages without
// losing any. A source (a queue reader, a broker receiver) sends Deliver to
// the next stage named by its `to:`; the receiving stage owns the message
// until it answers, to the Deliver's sender, with Confirm once the message is
// durable at its end (a broker RECEIPT or accepted disposition, a completed
// queue add) or with Reject when it can never take it. A source acts only on
// Confirm — removing the queue element or acknowledging the broker message —
// and keeps at most `window` Delivers unanswered: backpressure is the
// window, not an unbounded mailbox. A stage that fails transiently crashes
// instead of answering; its supervisor restarts it together with the source
// (rest_for_one), and the source offers the unanswered messages again:
// duplicates are possible, loss is not.

// Deliver hands a message downstream. ID is chosen by the source and unique
// among its unanswered Delivers (a queue element name, a broker ack id).
type Deliver struct {
	ID      string
	Message *Message
}

// Confirm tells the source that the message with this ID is durable
// downstream, so the source may remove or acknowledge it.
type Confirm struct {
	ID string
}

// Reject tells the source that the message with this ID can never be taken
// downstream (the broker refused the destination, the message is malformed).
// A queue source moves the element aside; a broker source NACKs it.
type Reject struct {
	ID     string
	Reason error
}

// Answer sends Confirm (err == nil) or Reject for a Deliver to its sender.
func Answer(ctx actor.Context, to *actor.PID, id string, err error) {
	if to == nil {
		return
	}
	if err != nil {
		ctx.Send(to, &Reject{ID: id, Reason: err})
		return
	}
	ctx.Send(to, &Confirm{ID: id})
}
