package conformance

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// rejectOutcome is what a broker does with a message its consumer NACKed
// (STOMP) or settled as rejected (AMQP 1.0).
type rejectOutcome string

const (
	// redelivered: the broker gives the message to a consumer again.
	redelivered rejectOutcome = "redelivered"
	// deadLettered: the broker moves it to a dead-letter queue.
	deadLettered rejectOutcome = "dead-lettered"
	// dropped: the broker discards it.
	dropped rejectOutcome = "dropped"
)

// capabilities is how a target legitimately differs from the others; the
// cases assert exactly this behaviour.
type capabilities struct {
	// onReject is the fate of a rejected message, and rejectWhy the reason.
	onReject  rejectOutcome
	rejectWhy string
	// deadLetter is the destination a dead-lettered message lands on
	// (shared by every queue: the case finds its message with a selector).
	deadLetter string
	// redeliversUnacked says whether the broker gives back what a consumer
	// received and never settled when the consumer goes away; noRedelivery
	// says why not.
	redeliversUnacked bool
	noRedelivery      string
}

// target is one broker endpoint of the suite.
type target struct {
	name     string
	protocol string // "stomp" or "amqp": the kinds are PROTOCOL.sender and PROTOCOL.receiver
	// endpoint returns where the broker is and its credentials (uri, login,
	// passcode, virtual host), or fails/skips the test when it is down.
	endpoint func(tb testing.TB) brokertest.Broker
	// auth renders the credentials as the kinds' `auth:` field (YAML flow
	// style), "" for none.
	auth func(b brokertest.Broker) string
	caps capabilities
	// prepare returns the kinds' destination for the fresh queue name,
	// declaring the queue first where the broker needs it.
	prepare func(tb testing.TB, name string) string
}

// stompAuth is the STOMP kinds' credentials: login/passcode, if any.
func stompAuth(b brokertest.Broker) string {
	if b.Login == "" {
		return ""
	}
	return fmt.Sprintf("{name: %q, pass: %q}", b.Login, b.Passcode)
}

// amqpAuth is the AMQP kinds' SASL mechanism: PLAIN with credentials,
// ANONYMOUS without.
func amqpAuth(b brokertest.Broker) string {
	if b.Login == "" {
		return "{scheme: anonymous}"
	}
	return fmt.Sprintf("{scheme: plain, name: %q, pass: %q}", b.Login, b.Passcode)
}

// stompQueue is the STOMP destination of a queue.
func stompQueue(_ testing.TB, name string) string { return "/queue/" + name }

var targets = []target{
	{
		name: "rabbitmq-stomp", protocol: "stomp", endpoint: brokertest.RabbitSTOMP, auth: stompAuth,
		caps: capabilities{
			onReject:          redelivered,
			rejectWhy:         "RabbitMQ requeues a NACKed message (NACK without requeue:false) and delivers it again",
			redeliversUnacked: true,
		},
		prepare: func(_ testing.TB, name string) string {
			brokertest.RememberRabbitQueue(name) // SEND to /queue/NAME declares it durable
			return stompQueue(nil, name)
		},
	},
	{
		name: "activemq-stomp", protocol: "stomp", endpoint: brokertest.ActiveMQSTOMP, auth: stompAuth,
		caps: capabilities{
			onReject:          deadLettered,
			rejectWhy:         "ActiveMQ 5.17 treats a STOMP NACK as a poison ack: no redelivery, the message moves to ActiveMQ.DLQ",
			deadLetter:        "/queue/ActiveMQ.DLQ",
			redeliversUnacked: true,
		},
		prepare: stompQueue,
	},
	{
		name: "embedded-stomp", protocol: "stomp", endpoint: embeddedBroker, auth: stompAuth,
		caps: capabilities{
			onReject:          redelivered,
			rejectWhy:         "the embedded broker requeues a NACKed message and delivers it again, marked redelivered",
			redeliversUnacked: true,
		},
		prepare: stompQueue,
	},
	{
		name: "rabbitmq-amqp10", protocol: "amqp", endpoint: brokertest.RabbitAMQP, auth: amqpAuth,
		caps: capabilities{
			onReject: dropped,
			rejectWhy: "amqp.receiver settles a refused message as rejected (never modified: RabbitMQ 3 refuses that outcome); " +
				"RabbitMQ discards a rejected message when its queue has no dead-letter exchange",
			redeliversUnacked: true,
		},
		prepare: func(tb testing.TB, name string) string {
			brokertest.DeclareRabbitQueue(tb, name) // an AMQP 1.0 attach to /queue/NAME would declare it non-durable
			return "/amq/queue/" + name
		},
	},
	{
		name: "qpid-amqp10", protocol: "amqp", endpoint: brokertest.QpidAMQP, auth: amqpAuth,
		caps: capabilities{
			onReject:     dropped,
			rejectWhy:    "Qpid Proton's example broker forgets a message once it sent it, whatever the outcome",
			noRedelivery: "Qpid Proton's example broker (broker.py) forgets a message once it sent it: what a crashed consumer held is gone",
		},
		prepare: func(_ testing.TB, name string) string { return name },
	},
}

var queueSeq atomic.Int64

// queueName is a queue name unique to the test and the run.
func queueName(t testing.TB) string {
	r := strings.NewReplacer("/", "-", " ", "-", "=", "-", "+", "-")
	return fmt.Sprintf("bricks-conf-%s-%d-%d", r.Replace(t.Name()), time.Now().UnixNano()%1e9, queueSeq.Add(1))
}

// embeddedBroker runs bricks' embedded broker as a stomp.broker node of its
// own tree, in memory, on a free 127.0.0.1 port, until the test ends: it
// outlives the trees of the cases, as an external broker does.
func embeddedBroker(t testing.TB) brokertest.Broker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	kindtest.RunTree(t, fmt.Sprintf(`
name: embedded
children:
  - name: broker
    kind: stomp.broker
    with: {listen: %q, storage: memory}
`, addr))
	return brokertest.Broker{Name: "bricks embedded broker", Addr: addr, URI: "stomp://" + addr}
}
