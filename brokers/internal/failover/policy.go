package failover

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Defaults of the failover options, also used for a single-address URI.
const (
	DefaultInitialDelay = 10 * time.Millisecond
	DefaultMaxDelay     = 30 * time.Second
	DefaultMultiplier   = 2.0
)

// Policy is the reconnection policy of a broker URI: the failover options
// (ActiveMQ names; delays in milliseconds): randomize (default false:
// addresses are tried in the given order), initialReconnectDelay (10),
// maxReconnectDelay (30000), useExponentialBackOff (true),
// backOffMultiplier (2), maxReconnectAttempts (-1 = unlimited; 0 means no
// retry after the first round).
type Policy struct {
	// Randomize shuffles the addresses before each connection round.
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

// DefaultPolicy returns the policy with every option at its default.
func DefaultPolicy() Policy {
	return Policy{InitialDelay: DefaultInitialDelay, MaxDelay: DefaultMaxDelay, Exponential: true,
		Multiplier: DefaultMultiplier, MaxAttempts: -1}
}

// Delay returns the pause before retry round n (n >= 1 is the first retry):
// InitialDelay, multiplied by Multiplier per further round when Exponential,
// capped at MaxDelay.
func (p Policy) Delay(n int) time.Duration {
	d := p.InitialDelay
	if p.Exponential {
		for i := 1; i < n && d < p.MaxDelay; i++ {
			d = time.Duration(float64(d) * p.Multiplier)
		}
	}
	return min(d, p.MaxDelay)
}

// parseOptions sets the options of a failover query string.
func (p *Policy) parseOptions(query string) error {
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
			p.Randomize, err = strconv.ParseBool(v)
		case "initialReconnectDelay":
			p.InitialDelay, err = parseMillis(v)
		case "maxReconnectDelay":
			p.MaxDelay, err = parseMillis(v)
		case "useExponentialBackOff":
			p.Exponential, err = strconv.ParseBool(v)
		case "backOffMultiplier":
			p.Multiplier, err = strconv.ParseFloat(v, 64)
			if err == nil && p.Multiplier < 1 {
				err = fmt.Errorf("must be >= 1")
			}
		case "maxReconnectAttempts":
			p.MaxAttempts, err = strconv.Atoi(v)
			if err == nil && p.MaxAttempts < -1 {
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

// DefaultIfZero returns def for d == 0, 0 for a negative d (the options'
// "negative disables"), d otherwise.
func DefaultIfZero(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}
