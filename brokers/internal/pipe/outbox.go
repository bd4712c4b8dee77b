package pipe

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/queue"
)

// Origins remembers, for a destination stage, the Deliver behind each of
// its own message IDs, to answer it once the broker has decided.
type Origins struct {
	ids *IDs
	m   map[string]origin
}

// origin is the Deliver behind one of our IDs.
type origin struct {
	id   string
	from *actor.PID
}

// NewOrigins returns an empty bookkeeping with a fresh ID prefix.
func NewOrigins() *Origins { return &Origins{ids: NewIDs(), m: map[string]origin{}} }

// Add records a Deliver received from `from` and returns our ID for it:
// upstream IDs are unique only per upstream stage.
func (o *Origins) Add(from *actor.PID, d *queue.Deliver) string {
	id := o.ids.Next()
	o.m[id] = origin{id: d.ID, from: from}
	return id
}

// Answer sends Confirm (err nil) or Reject for our ID to the Deliver's
// sender and forgets it. It returns the upstream ID, and false when the ID
// is unknown (a result of a previous incarnation, or already answered).
func (o *Origins) Answer(ctx actor.Context, id string, err error) (string, bool) {
	or, ok := o.m[id]
	if !ok {
		return "", false
	}
	delete(o.m, id)
	queue.Answer(ctx, or.from, or.id, err)
	return or.id, true
}

// Len is the number of unanswered Delivers.
func (o *Origins) Len() int { return len(o.m) }

// Outbox hands items to the goroutine that does the network I/O, through
// a channel of capacity limit, keeping at most limit handed over and not
// yet Done: a Deliver arriving beyond that waits in the actor (the
// upstream's window bounds how many do). The bound means the channel never
// blocks the actor, and the goroutine never waits on a full send window
// of its library.
type Outbox[T any] struct {
	c       chan T
	waiting []T // waiting[head:] are not handed over yet
	head    int
	handed  int
	limit   int
	open    bool
}

// NewOutbox returns a closed Outbox (nothing is handed over before Open).
func NewOutbox[T any](limit int) *Outbox[T] {
	return &Outbox[T]{c: make(chan T, limit), limit: limit}
}

// C is what the goroutine receives from.
func (o *Outbox[T]) C() <-chan T { return o.c }

// Open starts handing items over (the goroutine is connected).
func (o *Outbox[T]) Open() { o.open = true; o.pump() }

// Push queues v and hands over what the bound allows. In the steady state
// (nothing waiting, room in the window) v goes straight to the channel:
// no bookkeeping, no allocation.
func (o *Outbox[T]) Push(v T) {
	if o.open && o.handed < o.limit && o.Waiting() == 0 {
		select {
		case o.c <- v:
			o.handed++
			return
		default: // cannot happen while the bound holds
		}
	}
	o.waiting = append(o.waiting, v)
	o.pump()
}

// Done records the outcome of one handed item, making room for another.
func (o *Outbox[T]) Done() {
	if o.handed > 0 {
		o.handed--
	}
	o.pump()
}

// Waiting is the number of items not yet handed over.
func (o *Outbox[T]) Waiting() int { return len(o.waiting) - o.head }

func (o *Outbox[T]) pump() {
	var zero T
	for o.open && o.handed < o.limit && o.head < len(o.waiting) {
		select {
		case o.c <- o.waiting[o.head]:
		default:
			return // cannot happen while the bound holds; Done pumps again
		}
		o.waiting[o.head] = zero
		o.head++
		o.handed++
	}
	if o.head == len(o.waiting) {
		// Everything waiting was handed over: reuse the array from its
		// start rather than appending past its end (an allocation per
		// burst otherwise).
		o.waiting, o.head = o.waiting[:0], 0
	}
}
