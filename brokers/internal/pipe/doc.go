// Package pipe holds the actor logic the broker kinds (brokers/amqp,
// brokers/stomp) share around the pipeline protocol of queue/pipeline.go:
//
//   - Poster: how an actor's goroutine reports back to it by message;
//     TaggedPosterOf and Unwrap drop, after a restart, what the previous
//     incarnation's goroutine posted;
//   - Gather: what a goroutine reports back in bursts (receipts,
//     deliveries) is posted as one message per burst, not one per item:
//     fewer mailbox hand-offs, allocations and actor wake-ups;
//   - IDs: Deliver IDs unique across the incarnations of a stage, so that a
//     late answer meant for a previous incarnation (a restart keeps the
//     PID) can never settle another message;
//   - Sending, made of Origins and Outbox (destination stages): the
//     Delivers received, each remembered with its sender until answered,
//     and handed to the network goroutine with at most a window of them
//     unanswered;
//   - SenderStage: the whole actor side of a sender kind around Sending
//     (start the goroutine, SenderUp, Deliver, Decisions), so a protocol
//     only writes its goroutine;
//   - Inbox (source stages): received messages Delivered to the `to:`
//     sibling in arrival order, held and retried while the sibling is not
//     running, and counted against `count`; Reason, the never-nil reason
//     of a Reject;
//   - TLSSpec and TLSFrom: the `tls:` object of the kinds' specs.
//
// Only the packages under brokers/ may import it.
package pipe
