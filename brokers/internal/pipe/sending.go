package pipe

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/queue"
)

// Outbound is a message for a destination stage's goroutine to send under
// the stage's own ID.
type Outbound struct {
	ID      string
	Message *queue.Message
}

// Sending is the bookkeeping of a destination stage, Origins and Outbox
// together: each Deliver is remembered with its sender under an ID of the
// incarnation and handed to the network goroutine, at most window of them
// unanswered; each result answers its Deliver and makes room for the next.
// Make a new one per incarnation (in actor.Started): results the previous
// incarnation's goroutine left in the mailbox match none of its IDs.
type Sending struct {
	origins *Origins
	out     *Outbox[Outbound]
}

// NewSending returns the bookkeeping of a destination stage with at most
// window messages handed over and not answered; nothing is handed over
// before Open.
func NewSending(window int) *Sending {
	return &Sending{origins: NewOrigins(), out: NewOutbox[Outbound](window)}
}

// C is what the goroutine receives the messages to send from.
func (s *Sending) C() <-chan Outbound { return s.out.C() }

// Open starts handing messages over (the goroutine is connected).
func (s *Sending) Open() { s.out.Open() }

// Deliver records d, received from ctx's sender, and queues its message
// for the goroutine.
func (s *Sending) Deliver(ctx actor.Context, d *queue.Deliver) {
	s.out.Push(Outbound{ID: s.origins.Add(ctx.Sender(), d), Message: d.Message})
}

// Answer settles the message sent under our id: Confirm (err nil) or
// Reject to its Deliver's sender, and room for one more message. It
// returns the upstream ID, and false when id is unknown (a result of a
// previous incarnation, or already answered): nothing is done then.
func (s *Sending) Answer(ctx actor.Context, id string, err error) (string, bool) {
	up, ok := s.origins.Answer(ctx, id, err)
	if ok {
		s.out.Done()
	}
	return up, ok
}

// Unanswered is the number of Delivers not answered yet.
func (s *Sending) Unanswered() int { return s.origins.Len() }
