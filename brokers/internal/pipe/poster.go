package pipe

import (
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// Poster sends messages to an actor from one of the goroutines it owns:
// goroutines never touch the actor's state, they report by message.
type Poster struct {
	sys   *actor.ActorSystem
	self  *actor.PID
	owner actor.Actor // when set, messages are tagged with it (TaggedPosterOf)
}

// PosterOf returns the Poster of the actor of ctx; call it from Receive.
func PosterOf(ctx actor.Context) Poster { return Poster{sys: ctx.ActorSystem(), self: ctx.Self()} }

// TaggedPosterOf returns a Poster whose messages carry owner, the actor
// incarnation whose goroutine posts them; that actor reads its mailbox
// through Unwrap. A restarted actor keeps its PID and mailbox, and may find
// there what the goroutine of its previous incarnation posted just before
// it ended (a result, a received message, "connected"): those are not about
// the current connection, and Unwrap drops them. IDs alone cannot tell when
// the message is not an answer (a delivery of the old connection would be
// acknowledged on the new one).
func TaggedPosterOf(ctx actor.Context, owner actor.Actor) Poster {
	return Poster{sys: ctx.ActorSystem(), self: ctx.Self(), owner: owner}
}

// Post sends msg to the actor.
func (p Poster) Post(msg any) {
	if p.owner != nil {
		msg = &tagged{owner: p.owner, msg: msg}
	}
	p.sys.Root.Send(p.self, msg)
}

// tagged is a message posted by the goroutine of the incarnation owner.
type tagged struct {
	owner actor.Actor
	msg   any
}

// Unwrap returns the message of ctx to handle for the actor incarnation
// me: unwrapped when its own goroutine posted it (TaggedPosterOf), nil when
// the goroutine of another incarnation did, as is otherwise.
func Unwrap(ctx actor.Context, me actor.Actor) any {
	t, ok := ctx.Message().(*tagged)
	switch {
	case !ok:
		return ctx.Message()
	case t.owner != me:
		return nil
	}
	return t.msg
}

// Logger returns the tree node's logger, or the actor system's outside a
// tree.
func Logger(ctx actor.Context, cfg *actors.Config) *slog.Logger {
	if env := cfg.Env(); env != nil {
		return env.Logger()
	}
	return ctx.Logger()
}

// incarnations numbers the IDs generators of the process.
var incarnations atomic.Uint64

// IDs generates message IDs for one actor incarnation: "<incarnation>.<n>".
// A restarted actor keeps its PID and mailbox, so answers or goroutine
// results meant for the previous incarnation may still arrive; distinct
// prefixes make sure they match nothing.
type IDs struct {
	prefix string
	seq    uint64
}

// NewIDs returns a generator with a prefix no other generator of the
// process has.
func NewIDs() *IDs {
	return &IDs{prefix: strconv.FormatUint(incarnations.Add(1), 10) + "."}
}

// Next returns a new ID, formatted in place: one allocation (the string)
// per message rather than two (the number, then the concatenation).
func (g *IDs) Next() string {
	g.seq++
	var buf [48]byte
	b := append(buf[:0], g.prefix...)
	return string(strconv.AppendUint(b, g.seq, 10))
}
