package amqp

import (
	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// Address is one broker endpoint of a URI.
type Address struct {
	// TLS is true for amqps:// (also accepted: amqp+ssl://, amqp+tls://).
	TLS bool
	// Host and Port locate the broker; Port defaults to 5672 (5671 for TLS).
	Host string
	Port int
}

// schemes are the URI schemes of AMQP addresses.
var schemes = &failover.Schemes{
	Plain: []string{"amqp"}, TLS: []string{"amqps", "amqp+ssl", "amqp+tls"},
	Port: 5672, TLSPort: 5671, Want: "amqp or amqps", Credentials: "the SASL options",
}

// String renders the address as a URI, e.g. "amqps://h:5671".
func (a Address) String() string { return schemes.Render(failover.Address(a)) }

// HostPort returns "host:port" for net.Dial.
func (a Address) HostPort() string { return failover.Address(a).HostPort() }

// URI is a parsed broker URI: one address, or a failover list with its
// reconnection policy.
//
// Accepted forms (the STOMP brick's, with AMQP schemes):
//
//	amqp://host:port
//	amqps://host:port
//	failover:(amqp://a:5672,amqp://b:5672)?randomize=true&maxReconnectDelay=5000
//	failover:amqp://a:5672,amqp://b:5672
//
// A plain address is tried once (no reconnection: as in ActiveMQ, only a
// failover URI retries; the supervisor's restart policy covers the rest).
// Credentials never go in the URI (see Options.SASL). The failover options
// (randomize, initialReconnectDelay, maxReconnectDelay,
// useExponentialBackOff, backOffMultiplier, maxReconnectAttempts) set the
// embedded Policy, the STOMP brick's: its fields and Delay are the URI's.
type URI struct {
	Addresses []Address
	failover.Policy
}

// Defaults of the failover options, also used for a single-address URI.
const (
	DefaultInitialDelay = failover.DefaultInitialDelay
	DefaultMaxDelay     = failover.DefaultMaxDelay
	DefaultMultiplier   = failover.DefaultMultiplier
)

// ParseURI parses a broker URI (see URI for the forms accepted).
func ParseURI(s string) (*URI, error) {
	addrs, p, list, err := failover.Parse[Address](s, schemes)
	if err != nil {
		return nil, err
	}
	if !list {
		p.MaxAttempts = 0
	}
	return &URI{Addresses: addrs, Policy: p}, nil
}

// String renders the URI in the failover form when it has several addresses.
func (u *URI) String() string { return failover.RenderList(u.Addresses) }
