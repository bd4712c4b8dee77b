package udp

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// The udp.sender kind: a destination stage that writes each Delivered
// message as a datagram and confirms it once the kernel took it (package
// doc: UDP has no acknowledgement). A datagram write does not wait for the
// network, only for room in the socket buffer, so it is done in the
// actor's own receive, as queue.writer does its adds.

func init() {
	actors.Register(actors.Kind{
		Name:    "udp.sender",
		Summary: "sends each delivered message as a UDP datagram (a STOMP frame, as stompclt's udp:// output); no delivery guarantee",
		Spec: actors.NewSpec().
			Field(actors.String("uri").Required().Description("udp://host:port").Example("udp://monitor.example.org:5000")).
			Field(actors.String("destination").Description(`the frame's destination header; default: the message's own "destination" header`)),
		Validate: func(cfg *actors.Config) error {
			_, err := ParseURI(cfg.String("uri"))
			return err
		},
		New: func(cfg *actors.Config) (actor.Actor, error) { return &sender{cfg: cfg}, nil },
	})
}

type sender struct {
	cfg *actors.Config
	s   *Sender
}

// Receive implements actor.Actor.
func (a *sender) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s, err := Dial(a.cfg.String("uri"))
		if err != nil {
			actors.Fail(ctx, err)
		}
		a.s = s
	case *queue.Deliver:
		err := a.s.Send(a.cfg.String("destination"), m.Message)
		var refused *RefusedError
		if err != nil && !errors.As(err, &refused) {
			actors.Fail(ctx, fmt.Errorf("sending message %s: %w", m.ID, err))
		}
		queue.Answer(ctx, ctx.Sender(), m.ID, err)
	case *actor.Stopping, *actor.Restarting:
		if a.s != nil {
			_ = a.s.Close()
			a.s = nil
		}
	}
}
