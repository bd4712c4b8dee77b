package kindtest

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// Target is one broker endpoint the broker test suites run against
// (tests/conformance, tests/e2e): which broker, which protocol, and how to
// name a fresh queue on it.
type Target struct {
	// Name identifies the target in test names and result tables, e.g.
	// "rabbitmq-stomp".
	Name string
	// Protocol is "stomp" or "amqp": the kinds are PROTOCOL.sender and
	// PROTOCOL.receiver.
	Protocol string
	// Endpoint returns where the broker is and its credentials, or
	// fails/skips the test when it is down (brokertest's rule).
	Endpoint func(tb testing.TB) brokertest.Broker
	// Auth renders the credentials as the kinds' `auth:` field (YAML flow
	// style), "" for none.
	Auth func(b brokertest.Broker) string
	// Prepare returns the kinds' destination for the fresh queue name,
	// declaring the queue first where the broker needs it.
	Prepare func(tb testing.TB, name string) string
}

// Connection renders the connection fields of the target's kinds for the
// endpoint b (YAML flow style, without braces): uri, heartbeat, auth and
// the STOMP virtual host.
func (tg Target) Connection(b brokertest.Broker) string {
	s := fmt.Sprintf("uri: %q, heartbeat: 2s", b.URI)
	if a := tg.Auth(b); a != "" {
		s += ", auth: " + a
	}
	if b.VirtualHost != "" && tg.Protocol == "stomp" {
		s += fmt.Sprintf(", virtual_host: %q", b.VirtualHost)
	}
	return s
}

// STOMPAuth is the STOMP kinds' credentials: login/passcode, if any.
func STOMPAuth(b brokertest.Broker) string {
	if b.Login == "" {
		return ""
	}
	return fmt.Sprintf("{name: %q, pass: %q}", b.Login, b.Passcode)
}

// AMQPAuth is the AMQP kinds' SASL mechanism: PLAIN with credentials,
// ANONYMOUS without.
func AMQPAuth(b brokertest.Broker) string {
	if b.Login == "" {
		return "{scheme: anonymous}"
	}
	return fmt.Sprintf("{scheme: plain, name: %q, pass: %q}", b.Login, b.Passcode)
}

// stompQueue is the STOMP destination of a queue.
func stompQueue(_ testing.TB, name string) string { return "/queue/" + name }

// The targets, by name, for suites that pick some of them.
var (
	// RabbitSTOMPTarget is RabbitMQ over STOMP.
	RabbitSTOMPTarget = Target{Name: "rabbitmq-stomp", Protocol: "stomp", Endpoint: brokertest.RabbitSTOMP, Auth: STOMPAuth,
		Prepare: func(_ testing.TB, name string) string {
			brokertest.RememberRabbitQueue(name) // SEND to /queue/NAME declares it durable
			return stompQueue(nil, name)
		}}
	// ActiveMQSTOMPTarget is ActiveMQ over STOMP.
	ActiveMQSTOMPTarget = Target{Name: "activemq-stomp", Protocol: "stomp", Endpoint: brokertest.ActiveMQSTOMP, Auth: STOMPAuth,
		Prepare: stompQueue}
	// EmbeddedTarget is bricks' embedded broker (stomp.broker), started
	// in memory by the test that asks for its endpoint.
	EmbeddedTarget = Target{Name: "embedded-stomp", Protocol: "stomp", Endpoint: EmbeddedBroker, Auth: STOMPAuth,
		Prepare: stompQueue}
	// RabbitAMQPTarget is RabbitMQ over AMQP 1.0.
	RabbitAMQPTarget = Target{Name: "rabbitmq-amqp10", Protocol: "amqp", Endpoint: brokertest.RabbitAMQP, Auth: AMQPAuth,
		Prepare: func(tb testing.TB, name string) string {
			brokertest.DeclareRabbitQueue(tb, name) // an AMQP 1.0 attach to /queue/NAME would declare it non-durable
			return "/amq/queue/" + name
		}}
	// QpidAMQPTarget is Qpid Proton's example broker over AMQP 1.0.
	QpidAMQPTarget = Target{Name: "qpid-amqp10", Protocol: "amqp", Endpoint: brokertest.QpidAMQP, Auth: AMQPAuth,
		Prepare: func(_ testing.TB, name string) string { return name }}
)

// Targets returns every broker endpoint bricks supports, in the order
// suites report them.
func Targets() []Target {
	return []Target{RabbitSTOMPTarget, ActiveMQSTOMPTarget, EmbeddedTarget, RabbitAMQPTarget, QpidAMQPTarget}
}

var queueSeq atomic.Int64

// QueueName is a broker queue name starting with prefix, unique to the
// test and the run.
func QueueName(t testing.TB, prefix string) string {
	r := strings.NewReplacer("/", "-", " ", "-", "=", "-", "+", "-")
	return fmt.Sprintf("%s-%s-%d-%d", prefix, r.Replace(t.Name()), time.Now().UnixNano()%1e9, queueSeq.Add(1))
}

// EmbeddedBroker runs bricks' embedded broker as a stomp.broker node of its
// own tree, in memory, on a free 127.0.0.1 port, until the test ends: it
// outlives the trees of the test, as an external broker does.
func EmbeddedBroker(t testing.TB) brokertest.Broker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	RunTree(t, fmt.Sprintf(`
name: embedded
children:
  - name: broker
    kind: stomp.broker
    with: {listen: %q, storage: memory}
`, addr))
	return brokertest.Broker{Name: "bricks embedded broker", Addr: addr, URI: "stomp://" + addr}
}
