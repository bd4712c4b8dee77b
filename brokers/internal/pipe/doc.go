// Package pipe holds the actor logic the broker kinds (brokers/amqp,
// brokers/stomp) share around the pipeline protocol of queue/pipeline.go:
//
//   - Poster: how an actor's goroutine reports back to it by message;
//   - IDs: Deliver IDs unique across the incarnations of a stage, so that a
//     late answer meant for a previous incarnation (a restart keeps the
//     PID) can never settle another message;
//   - Outbox and Origins (destination stages): the Delivers received, each
//     remembered with its sender until answered, and handed to the network
//     goroutine with at most a window of them unanswered;
//   - Inbox (source stages): received messages Delivered to the `to:`
//     sibling in arrival order, held and retried while the sibling is not
//     running, and counted against `count`.
//
// Only the packages under brokers/ may import it.
package pipe
