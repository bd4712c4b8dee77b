package stomp

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
	// TLS is true for stomp+ssl:// (also accepted: stomp+tls://, stomp+ssl is
	// the Net::STOMP::Client / stompclt spelling).
	TLS bool
	// Host and Port locate the broker; Port defaults to 61613 (61612 for TLS).
	Host string
	Port int
}

// String renders the address as a URI, e.g. "stomp+ssl://h:61612".
func (a Address) String() string {
	scheme := "stomp"
	if a.TLS {
		scheme = "stomp+ssl"
	}
	return scheme + "://" + a.HostPort()
}

// HostPort returns "host:port" for net.Dial.
func (a Address) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

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
// Failover options (ActiveMQ names; delays in milliseconds):
// randomize (default false here: addresses are tried in the given order),
// initialReconnectDelay (10), maxReconnectDelay (30000),
// useExponentialBackOff (true), backOffMultiplier (2),
// maxReconnectAttempts (-1 = unlimited; 0 means no retry after the first round).
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

// Defaults of the failover options, also used for a plain single-address URI.
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
		return u, nil
	}
	var list, query string
	if inner, ok := strings.CutPrefix(rest, "("); ok {
		end := strings.LastIndexByte(inner, ')')
		if end < 0 {
			return nil, fmt.Errorf("broker uri %q: missing ')' after the failover list", s)
		}
		list = inner[:end]
		after := inner[end+1:]
		if after != "" {
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
	case "stomp", "tcp":
		a.Port = 61613
	case "stomp+ssl", "stomp+tls", "ssl":
		a.TLS, a.Port = true, 61612
	default:
		return Address{}, fmt.Errorf("address %q: unsupported scheme %q (want stomp or stomp+ssl)", s, pu.Scheme)
	}
	if pu.User != nil || (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" {
		return Address{}, fmt.Errorf("address %q: only scheme://host:port is allowed (credentials go in auth, options after the failover list)", s)
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

// delay returns the pause before round n (n >= 1 is the first retry).
func (u *URI) delay(n int) time.Duration {
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
