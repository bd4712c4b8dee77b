// Package brokertest finds the real message brokers that broker tests run
// against (started by tests/brokers/start.sh) and decides what a test does
// when one is missing: fail under CI (CI=true), skip with the reason
// otherwise.
package brokertest

import (
	"fmt"
	"net"
	"os"
	"testing"
	"time"
)

// Broker describes one broker endpoint for tests.
type Broker struct {
	// Name says which broker and protocol, e.g. "RabbitMQ STOMP".
	Name string
	// Addr is host:port.
	Addr string
	// URI is the endpoint URI without credentials (stomp://... or amqp://...).
	URI string
	// Login and Passcode are the credentials to use; both empty for none
	// (Qpid's example broker speaks SASL ANONYMOUS).
	Login, Passcode string
	// VirtualHost is the STOMP CONNECT host header / AMQP open hostname to
	// send; empty for the client default.
	VirtualHost string
}

// The endpoints tests/brokers/start.sh provides.
var (
	rabbitSTOMP = Broker{Name: "RabbitMQ STOMP", Addr: "127.0.0.1:61613", URI: "stomp://127.0.0.1:61613",
		Login: "guest", Passcode: "guest", VirtualHost: "/"}
	activeMQSTOMP = Broker{Name: "ActiveMQ STOMP", Addr: "127.0.0.1:61614", URI: "stomp://127.0.0.1:61614",
		Login: "admin", Passcode: "admin", VirtualHost: "localhost"}
	rabbitAMQP = Broker{Name: "RabbitMQ AMQP 1.0", Addr: "127.0.0.1:5672", URI: "amqp://127.0.0.1:5672",
		Login: "guest", Passcode: "guest"}
	qpidAMQP = Broker{Name: "Qpid Proton example broker AMQP 1.0", Addr: "127.0.0.1:5673", URI: "amqp://127.0.0.1:5673"}
)

// RabbitSTOMP returns RabbitMQ's STOMP endpoint (127.0.0.1:61613, guest/guest, host "/").
func RabbitSTOMP(tb testing.TB) Broker { tb.Helper(); return require(tb, rabbitSTOMP) }

// ActiveMQSTOMP returns ActiveMQ's STOMP endpoint (127.0.0.1:61614, admin/admin).
func ActiveMQSTOMP(tb testing.TB) Broker { tb.Helper(); return require(tb, activeMQSTOMP) }

// RabbitAMQP returns RabbitMQ's AMQP 1.0 endpoint (127.0.0.1:5672, guest/guest SASL PLAIN).
func RabbitAMQP(tb testing.TB) Broker { tb.Helper(); return require(tb, rabbitAMQP) }

// QpidAMQP returns Qpid Proton's example AMQP 1.0 broker (127.0.0.1:5673, SASL ANONYMOUS).
func QpidAMQP(tb testing.TB) Broker { tb.Helper(); return require(tb, qpidAMQP) }

// STOMPBrokers returns every STOMP broker, for table-driven tests.
func STOMPBrokers(tb testing.TB) []Broker {
	tb.Helper()
	return []Broker{RabbitSTOMP(tb), ActiveMQSTOMP(tb)}
}

// Reachable reports whether addr accepts a TCP connection within a second.
func Reachable(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

// InCI reports whether the tests run under CI (CI=true), where a missing
// external service is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

func require(tb testing.TB, b Broker) Broker {
	tb.Helper()
	if err := Reachable(b.Addr); err != nil {
		msg := fmt.Sprintf("%s not reachable at %s (%v): start it with tests/brokers/start.sh", b.Name, b.Addr, err)
		if InCI() {
			tb.Fatal(msg)
			return b
		}
		tb.Skip(msg)
	}
	return b
}
