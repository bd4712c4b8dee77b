// Package e2e holds the end-to-end acceptance tests of the transfer app
// (`app: transfer`, see package apps): trees of transfer nodes loaded with
// supervision.LoadBytes and started with supervision.Start, moving 10,000
// messages — text, binary, 0 B and 1 MiB bodies, unicode headers — in all
// four combinations (queue→queue, queue→broker, broker→queue,
// broker→broker) through every broker endpoint bricks supports
// (kindtest.Targets: RabbitMQ STOMP and AMQP 1.0, ActiveMQ STOMP, Qpid
// Proton's example broker, the embedded broker), with header rules applied
// and checked; and the failures a transfer must survive without losing a
// message: a full destination disk, a destination the broker refuses.
//
// The brokers are started by tests/brokers/start.sh; a missing one fails
// the run under CI=true and skips its test otherwise. The disk-full test
// mounts a tmpfs and needs root (likewise: fails under CI, skips outside).
//
//	CI=true go test -race ./tests/e2e/
//
// -short moves 1,000 messages per transfer instead of 10,000, outside CI
// only.
package e2e
