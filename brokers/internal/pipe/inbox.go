package pipe

import (
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// SiblingRetry is how long a source waits before offering held messages
// again when its `to:` sibling is not running (it is restarting).
const SiblingRetry = 100 * time.Millisecond

// Retry is the message an Inbox schedules to its actor when the `to:`
// sibling was not running; the actor calls Inbox.Retry on it.
type Retry struct{}

var retryMsg = &Retry{}

// Inbox is the bookkeeping of a source stage: messages received from the
// broker, Delivered to the `to:` sibling in arrival order under IDs unique
// to this incarnation, each held until its answer settles it. With `count`
// (0: no limit) no more messages are Delivered than can still be
// confirmed: the rest stays held until the actor stops, and the broker
// redelivers it.
type Inbox[T any] struct {
	cfg     *actors.Config
	message func(T) *queue.Message
	ids     *IDs
	timers  *scheduler.TimerScheduler

	inflight  map[string]T  // Delivered (or held), not yet settled
	held      []heldItem[T] // held[head:] wait to be Delivered, in order
	head      int
	retrying  bool
	count     int
	delivered int
	confirmed int
}

type heldItem[T any] struct {
	id   string
	item T
}

// NewInbox returns the Inbox of a source whose `to:` field is in cfg;
// message extracts the message to Deliver from an item. Call it from
// actor.Started.
func NewInbox[T any](ctx actor.Context, cfg *actors.Config, count int, message func(T) *queue.Message) *Inbox[T] {
	return &Inbox[T]{cfg: cfg, message: message, ids: NewIDs(), count: count,
		timers: scheduler.NewTimerScheduler(ctx.ActorSystem().Root), inflight: map[string]T{}}
}

// Arrive records a received item under a fresh ID and offers it
// downstream.
func (b *Inbox[T]) Arrive(ctx actor.Context, item T) { b.ArriveAs(ctx, b.ids.Next(), item) }

// ArriveAs is Arrive under an ID of the caller's choosing (one that names
// the message for the broker, say); it must not be Unsettled.
func (b *Inbox[T]) ArriveAs(ctx actor.Context, id string, item T) {
	b.inflight[id] = item
	b.held = append(b.held, heldItem[T]{id: id, item: item})
	b.offer(ctx)
}

// Retry offers the held items again (on a *Retry message).
func (b *Inbox[T]) Retry(ctx actor.Context) {
	b.retrying = false
	b.offer(ctx)
}

func (b *Inbox[T]) offer(ctx actor.Context) {
	for b.head < len(b.held) && (b.count == 0 || b.delivered < b.count) {
		to := b.cfg.SiblingPID("to")
		if to == nil {
			if !b.retrying {
				b.retrying = true
				b.timers.SendOnce(SiblingRetry, ctx.Self(), retryMsg)
			}
			return
		}
		h := b.held[b.head]
		b.held[b.head] = heldItem[T]{}
		b.head++
		if b.head == len(b.held) {
			// All Delivered: reuse the array from its start rather than
			// appending past its end (an allocation per burst otherwise).
			b.held, b.head = b.held[:0], 0
		}
		b.delivered++
		ctx.Request(to, &queue.Deliver{ID: h.id, Message: b.message(h.item)})
	}
}

// Settle forgets the item answered under id and returns it; ok is false
// for an unknown id (an answer meant for a previous incarnation). A
// rejection does not count against `count`: it makes room for one more
// Deliver. done is true once `count` messages were confirmed: the actor
// should stop normally after settling this one.
func (b *Inbox[T]) Settle(ctx actor.Context, id string, err error) (item T, ok, done bool) {
	item, ok = b.inflight[id]
	if !ok {
		return item, false, false
	}
	delete(b.inflight, id)
	if err != nil {
		b.delivered--
		b.offer(ctx)
		return item, true, false
	}
	b.confirmed++
	return item, true, b.count > 0 && b.confirmed >= b.count
}

// Unsettled reports whether an item received under id is not settled yet.
func (b *Inbox[T]) Unsettled(id string) bool {
	_, ok := b.inflight[id]
	return ok
}

// Confirmed is the number of messages confirmed by this incarnation.
func (b *Inbox[T]) Confirmed() int { return b.confirmed }

// errRejected stands for the reason of a Reject that gives none.
var errRejected = errors.New("rejected downstream")

// Reason returns why r refused its message, never nil: a Reject without a
// reason still refuses the message, and must never be taken for a Confirm.
func Reason(r *queue.Reject) error {
	if r.Reason == nil {
		return errRejected
	}
	return r.Reason
}
