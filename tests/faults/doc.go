// Package faults holds the fault tests of the broker stages (stomp.sender,
// stomp.receiver, amqp.sender, amqp.receiver) run in supervision trees: a
// broker process stopped (SIGTERM, SIGKILL) and started again in the middle
// of a 10,000-message transfer, a wrong password, nothing listening, and a
// fake server answering garbage. Every test checks that no message is lost
// (duplicates are counted and logged), that the tree heals by itself, and
// that retries are spaced by a backoff, never a hot loop.
//
// The tests stop and start brokers, so they never touch the shared test
// brokers of tests/brokers/start.sh: they start their own ActiveMQ instance
// (AMQ_BASE=/var/lib/activemq/bricks-faults, STOMP 127.0.0.1:61634,
// OpenWire 61636, through start.sh's overrides) and their own Qpid Proton
// example broker (127.0.0.1:5683), and read (never restart) the shared
// RabbitMQ and ActiveMQ only for the wrong-password tests. They take a few
// minutes and run on their own, serially, after the main suite:
//
//	CI=true go test -count=1 -race -p 1 -timeout 20m ./tests/faults/
//
// A missing broker program fails the tests under CI=true and skips them
// otherwise. BRICKS_TEST_LOG=1 copies the trees' logs to stderr.
//
// What the tests pin down, besides "no loss": a broker stage is ready only
// once connected, so a tree whose broker is unreachable or refuses the
// password does not start (OTP: a child that cannot start aborts its
// supervisor's start; an unreachable broker fails AMQP's Start at once
// with an error naming the broker, while STOMP retries inside the library
// until Start's deadline; a refused login fails both at once, after one
// connection, with an error naming the broker: it is never retried inside
// the library, the supervisor's restarts are the retry); once running, a
// stage whose connection breaks reconnects inside the library (STOMP) or
// fails and is restarted by its supervisor with its backoff (AMQP, STOMP
// with maxReconnectAttempts, and STOMP meeting a refused login), never in
// a hot loop. Qpid's example broker keeps nothing across a restart and forgets what it sent
// to a receiver whose connection died, so with Qpid the loss checks are
// about the sender side (see TestAMQPBrokerRestart).
package faults
