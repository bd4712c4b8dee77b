package stomp

import (
	"time"

	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// Address is one broker endpoint of a URI.
type Address struct {
	// TLS is true for stomp+ssl:// (also accepted: stomp+tls://, stomp+ssl is
	// the Net::STOMP::Client / stompclt spelling).
	TLS bool
	// Host and Port locate the broker; Port defaults to 61613 (61612 for TLS).
	Host string
	Port int
}

// schemes are the URI schemes of STOMP addresses (tcp:// and ssl:// as
// ActiveMQ spells them).
var schemes = &failover.Schemes{
	Plain: []string{"stomp", "tcp"}, TLS: []string{"stomp+ssl", "stomp+tls", "ssl"},
	Port: 61613, TLSPort: 61612, Want: "stomp or stomp+ssl", Credentials: "auth",
}

// String renders the address as a URI, e.g. "stomp+ssl://h:61612".
func (a Address) String() string { return schemes.Render(failover.Address(a)) }

// HostPort returns "host:port" for net.Dial.
func (a Address) HostPort() string { return failover.Address(a).HostPort() }

// URI is a parsed broker URI: one address, or a failover list with its
// reconnection policy.
//
// Accepted forms (those of Net::STOMP::Client, hence stompclt's --*-broker-uri):
//
//	stomp://host:port
//	stomp+ssl://host:port
//	failover:(stomp://a:61613,stomp://b:61613)?randomize=true&maxReconnectDelay=5000
//	failover:stomp://a:61613,stomp://b:61613
//
// The failover options (randomize, initialReconnectDelay,
// maxReconnectDelay, useExponentialBackOff, backOffMultiplier,
// maxReconnectAttempts; delays in milliseconds) set the embedded Policy,
// the AMQP brick's: its fields and Delay are the URI's. A plain address is
// retried without limit, with the default Policy.
type URI struct {
	Addresses []Address
	failover.Policy
}

// Defaults of the failover options, also used for a plain single-address URI.
const (
	DefaultInitialDelay = failover.DefaultInitialDelay
	DefaultMaxDelay     = failover.DefaultMaxDelay
	DefaultMultiplier   = failover.DefaultMultiplier
)

// ParseURI parses a broker URI (see URI for the forms accepted).
func ParseURI(s string) (*URI, error) {
	addrs, p, _, err := failover.Parse[Address](s, schemes)
	if err != nil {
		return nil, err
	}
	return &URI{Addresses: addrs, Policy: p}, nil
}

// delay is Delay, under the name the package's tests use.
func (u *URI) delay(n int) time.Duration { return u.Delay(n) }

// String renders the URI in the failover form when it has several addresses.
func (u *URI) String() string { return failover.RenderList(u.Addresses) }
