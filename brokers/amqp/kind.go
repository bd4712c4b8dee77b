package amqp

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
// (Send and the settlements may block: RabbitMQ applies flow control). The
// actor keeps the bookkeeping (brokers/internal/pipe: who sent what, what is
// settled) and bounds what is in flight.
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
