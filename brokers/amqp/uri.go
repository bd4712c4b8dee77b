package amqp

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Address is one broker endpoint of a URI.
type Address struct {
	// TLS is true for amqps:// (also accepted: amqp+ssl://, amqp+tls://).
	TLS bool
	// Host and Port locate the broker; Port defaults to 5672 (5671 for TLS).
	Host string
	Port int
}

// String renders the address as a URI, e.g. "amqps://h:5671".
func (a Address) String() string {
	scheme := "amqp"
	if a.TLS {
		scheme = "amqps"
	}
	return scheme + "://" + a.HostPort()
}

// HostPort returns "host:port" for net.Dial.
func (a Address) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

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
// Credentials never go in the URI (see Options.SASL). Failover options
// (ActiveMQ names; delays in milliseconds): randomize (default false:
// addresses are tried in the given order), initialReconnectDelay (10),
// maxReconnectDelay (30000), useExponentialBackOff (true),
// backOffMultiplier (2), maxReconnectAttempts (-1 = unlimited; 0 means no
// retry after the first round).
type URI struct {
	Addresses []Address
	// Randomize shuffles Addresses before each connection round.
	Randomize bool
	// InitialDelay is the pause after the first failed round of attempts.
	InitialDelay time.Duration
	// MaxDelay caps the pause between rounds.
	MaxDelay time.Duration
	// Exponential multiplies the pause by Multiplier after every failed round.
	Exponential bool
	// Multiplier is the backoff factor (>= 1).
	Multiplier float64
	// MaxAttempts bounds the number of rounds after the first; -1 is unlimited.
	MaxAttempts int
}

// Defaults of the failover options, also used for a single-address URI.
const (
	DefaultInitialDelay = 10 * time.Millisecond
	DefaultMaxDelay     = 30 * time.Second
	DefaultMultiplier   = 2.0
)

// ParseURI parses a broker URI (see URI for the forms accepted).
func ParseURI(s string) (*URI, error) {
	u := &URI{InitialDelay: DefaultInitialDelay, MaxDelay: DefaultMaxDelay, Exponential: true,
		Multiplier: DefaultMultiplier, MaxAttempts: -1}
	rest, failover := strings.CutPrefix(strings.TrimSpace(s), "failover:")
	if !failover {
		a, err := parseAddress(rest)
		if err != nil {
			return nil, fmt.Errorf("broker uri %q: %w", s, err)
		}
		u.Addresses = []Address{a}
		u.MaxAttempts = 0
		return u, nil
	}
	var list, query string
	if inner, ok := strings.CutPrefix(rest, "("); ok {
		end := strings.LastIndexByte(inner, ')')
		if end < 0 {
			return nil, fmt.Errorf("broker uri %q: missing ')' after the failover list", s)
		}
		list = inner[:end]
		if after := inner[end+1:]; after != "" {
			q, ok := strings.CutPrefix(after, "?")
			if !ok {
				return nil, fmt.Errorf("broker uri %q: unexpected %q after the failover list", s, after)
			}
			query = q
		}
	} else {
		list, query, _ = strings.Cut(rest, "?")
	}
	for _, part := range strings.Split(list, ",") {
		a, err := parseAddress(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("broker uri %q: %w", s, err)
		}
		u.Addresses = append(u.Addresses, a)
	}
	if err := u.parseOptions(query); err != nil {
		return nil, fmt.Errorf("broker uri %q: %w", s, err)
	}
	return u, nil
}

func parseAddress(s string) (Address, error) {
	if s == "" {
		return Address{}, fmt.Errorf("empty address")
	}
	pu, err := url.Parse(s)
	if err != nil {
		return Address{}, err
	}
	var a Address
	switch pu.Scheme {
	case "amqp":
		a.Port = 5672
	case "amqps", "amqp+ssl", "amqp+tls":
		a.TLS, a.Port = true, 5671
	default:
		return Address{}, fmt.Errorf("address %q: unsupported scheme %q (want amqp or amqps)", s, pu.Scheme)
	}
	if pu.User != nil || (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" {
		return Address{}, fmt.Errorf("address %q: only scheme://host:port is allowed (credentials go in the SASL options, failover options after the list)", s)
	}
	a.Host = pu.Hostname()
	if a.Host == "" {
		return Address{}, fmt.Errorf("address %q: missing host", s)
	}
	if p := pu.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Address{}, fmt.Errorf("address %q: bad port %q", s, p)
		}
		a.Port = n
	}
	return a, nil
}

func (u *URI) parseOptions(query string) error {
	if query == "" {
		return nil
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return err
	}
	for k, vs := range vals {
		v := vs[len(vs)-1]
		var err error
		switch k {
		case "randomize":
			u.Randomize, err = strconv.ParseBool(v)
		case "initialReconnectDelay":
			u.InitialDelay, err = parseMillis(v)
		case "maxReconnectDelay":
			u.MaxDelay, err = parseMillis(v)
		case "useExponentialBackOff":
			u.Exponential, err = strconv.ParseBool(v)
		case "backOffMultiplier":
			u.Multiplier, err = strconv.ParseFloat(v, 64)
			if err == nil && u.Multiplier < 1 {
				err = fmt.Errorf("must be >= 1")
			}
		case "maxReconnectAttempts":
			u.MaxAttempts, err = strconv.Atoi(v)
			if err == nil && u.MaxAttempts < -1 {
				err = fmt.Errorf("must be >= -1")
			}
		default:
			return fmt.Errorf("unknown failover option %q", k)
		}
		if err != nil {
			return fmt.Errorf("failover option %s=%q: %w", k, v, err)
		}
	}
	return nil
}

func parseMillis(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("must be >= 0")
	}
	return time.Duration(n) * time.Millisecond, nil
}

// Delay returns the pause before retry round n (n >= 1 is the first retry):
// InitialDelay, multiplied by Multiplier per further round when Exponential,
// capped at MaxDelay.
func (u *URI) Delay(n int) time.Duration {
	d := u.InitialDelay
	if u.Exponential {
		for i := 1; i < n && d < u.MaxDelay; i++ {
			d = time.Duration(float64(d) * u.Multiplier)
		}
	}
	return min(d, u.MaxDelay)
}

// String renders the URI in the failover form when it has several addresses.
func (u *URI) String() string {
	if len(u.Addresses) == 1 {
		return u.Addresses[0].String()
	}
	parts := make([]string, len(u.Addresses))
	for i, a := range u.Addresses {
		parts[i] = a.String()
	}
	return "failover:(" + strings.Join(parts, ",") + ")"
}
