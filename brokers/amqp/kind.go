package amqp

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// The AMQP 1.0 actor kinds wrap Sender and Receiver as stages of the
// pipeline protocol (queue/pipeline.go):
//
//   - amqp.sender (kind_sender.go) is a destination stage: each Deliver is
//     sent unsettled on one link, answered by Confirm once the broker
//     accepted it, or by Reject when the broker rejected that very message
//     (or it has no AMQP form, e.g. a "priority: high" header);
//   - amqp.receiver (kind_receiver.go) is a source stage: each delivery is
//     Delivered to the `to:` sibling, and accepted on Confirm, rejected on
//     Reject.
//
// Both share their connection fields (spec.go) and one shape, that of the
// stomp kinds: the actor never touches the network itself. On Started it
// starts one goroutine with actors.Go that dials (walking a failover list
// with its backoff), opens its link, reports by message that it is up, then
// moves messages between the library's channels and the actor's mailbox and
// does the network calls the actor asks for through a bounded channel
// (Send and the settlements may block: RabbitMQ applies flow control; the
// receiver's goroutine writes its settlements from a second goroutine of its
// own, which it waits for, so that passing deliveries on never waits behind
// a write). The actor keeps the bookkeeping (brokers/internal/pipe: who sent
// what, what is settled, with the goroutine's messages tagged by
// incarnation) and bounds what is in flight.
//
// A Conn does not reconnect by itself: a lost connection or link ends the
// goroutine with an error, which fails the actor, and its supervisor
// restarts it (with rest_for_one, together with the stages feeding it,
// which offer their unconfirmed messages again). When the actor stops or
// restarts, the goroutine's context ends and it closes its Conn, which is
// bounded by one frame write: sessions are not ended one by one (RabbitMQ
// 3.10 may leave that unanswered until CloseTimeout), closing the
// connection ends them all. What was sent and not confirmed is sent again
// by the restarted upstream; what was received and not accepted is
// redelivered by the broker. Duplicates are possible, loss is not.

// bound is an integer field of a kind and the least value it takes.
type bound struct {
	field string
	least int
}

// registerKind registers k, an AMQP kind whose Spec holds the connection
// fields (withKindConnection) and the integer fields of bounds. Both kinds
// share this prologue: Validate checks the bounds, then the connection
// fields; New reads the connection and hands it to build; the actor signals
// ready once its link is attached.
func registerKind(k actors.Kind, bounds []bound, build func(cfg *actors.Config, c kindConnection) actor.Actor) {
	k.Validate = func(cfg *actors.Config) error {
		for _, b := range bounds {
			if err := atLeast(cfg, b.field, b.least); err != nil {
				return err
			}
		}
		_, err := connectionFrom(cfg)
		return err
	}
	k.New = func(cfg *actors.Config) (actor.Actor, error) {
		c, err := connectionFrom(cfg)
		if err != nil {
			return nil, err
		}
		return build(cfg, c), nil
	}
	k.SignalsReady = true
	actors.Register(k)
}

// atLeast checks that the integer field name of cfg is at least least.
func atLeast(cfg *actors.Config, name string, least int) error {
	switch v := cfg.Int(name); {
	case v >= least:
		return nil
	case least == 0:
		return fmt.Errorf("%s: must not be negative, got %d", name, v)
	default:
		return fmt.Errorf("%s: must be at least %d, got %d", name, least, v)
	}
}

// intOr returns the integer field name of cfg, or def when it is below 1
// (a Config that skipped Validate).
func intOr(cfg *actors.Config, name string, def int) int {
	if v := cfg.Int(name); v >= 1 {
		return v
	}
	return def
}
