// Package conformance runs one suite of broker-transfer cases against every
// broker endpoint bricks supports, through the real actor kinds in a
// supervision tree: RabbitMQ and ActiveMQ over STOMP (stomp.sender,
// stomp.receiver), bricks' embedded broker (stomp.broker), and RabbitMQ and
// Qpid Proton's example broker over AMQP 1.0 (amqp.sender, amqp.receiver),
// fed from and drained to directory queues (queue.reader, queue.writer) or
// a scripted stage (kindtest.script).
//
// The cases (conformance_test.go) are the same for every target: a
// byte-identical round trip of text, binary and awkward headers; sender
// confirms (broker receipts, accepted dispositions); a rejected message
// NACKed or rejected to the broker while the others are acknowledged
// exactly once; and redelivery of the messages a crashed stage held. Where
// brokers legitimately differ, the target's capabilities (targets_test.go)
// say what each one does, with the reason, and the case asserts exactly
// that behaviour rather than skipping.
//
// The brokers are started by tests/brokers/start.sh; a missing one fails
// the run under CI=true and skips its target otherwise:
//
//	CI=true go test -race -v ./tests/conformance/
package conformance
