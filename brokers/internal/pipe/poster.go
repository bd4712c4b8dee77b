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
	sys  *actor.ActorSystem
	self *actor.PID
}

// PosterOf returns the Poster of the actor of ctx; call it from Receive.
func PosterOf(ctx actor.Context) Poster { return Poster{sys: ctx.ActorSystem(), self: ctx.Self()} }

// Post sends msg to the actor.
func (p Poster) Post(msg any) { p.sys.Root.Send(p.self, msg) }

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

// Next returns a new ID.
func (g *IDs) Next() string {
	g.seq++
	return g.prefix + strconv.FormatUint(g.seq, 10)
}
