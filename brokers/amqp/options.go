package amqp

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// SASL mechanisms accepted in SASL.Mechanism.
const (
	SASLPlain     = "PLAIN"
	SASLAnonymous = "ANONYMOUS"
	SASLExternal  = "EXTERNAL"
)

// SASL is how the client authenticates.
type SASL struct {
	// Mechanism is PLAIN (Username/Password, RabbitMQ), ANONYMOUS (Qpid's
	// example broker) or EXTERNAL (the TLS client certificate is the
	// identity). Empty means PLAIN when Username is set, ANONYMOUS otherwise.
	// Case does not matter.
	Mechanism string
	// Username and Password are the PLAIN credentials.
	Username, Password string
	// Identity is the optional EXTERNAL authorization identity (usually empty).
	Identity string
}

// TLSOptions configure amqps:// connections: CAFile (PEM bundle of trusted
// CAs; empty: the system pool), CertFile and KeyFile (PEM client
// certificate and key), ServerName (the name checked in the broker
// certificate; default: the host dialled), InsecureSkipVerify (tests only).
// The STOMP and AMQP bricks share this type.
type TLSOptions = failover.TLS

// Options configure a connection; the zero value is usable and gets the
// documented defaults.
type Options struct {
	// SASL is the authentication (default: ANONYMOUS).
	SASL SASL
	// TLS is used for amqps addresses.
	TLS TLSOptions
	// ContainerID is our container-id in the open frame (default: random).
	ContainerID string
	// HostName is the open frame's hostname; RabbitMQ selects the virtual
	// host with "vhost:NAME" (default: the host dialled, i.e. vhost "/").
	HostName string
	// IdleTimeout is how long the broker may stay silent before the
	// connection is declared dead; go-amqp advertises half of it so the
	// broker sends heart-beats (default 60 s; negative disables).
	IdleTimeout time.Duration
	// ConnectTimeout bounds TCP, TLS, SASL and the open exchange of one
	// address (default 10 s).
	ConnectTimeout time.Duration
	// WriteTimeout bounds one frame write (default 30 s): a broker that does
	// not read is treated as dead.
	WriteTimeout time.Duration
	// CloseTimeout bounds each end-of-session and the connection close
	// (default 5 s): RabbitMQ 3.10 never answers a link detach, so closing
	// never waits for the broker longer than this.
	CloseTimeout time.Duration
	// Logger receives connection events (default slog.Default()).
	Logger *slog.Logger

	// after replaces time.After in the reconnection backoff (tests).
	after func(time.Duration) <-chan time.Time
}

const (
	defaultIdleTimeout    = 60 * time.Second
	defaultConnectTimeout = 10 * time.Second
	defaultWriteTimeout   = 30 * time.Second
	defaultCloseTimeout   = 5 * time.Second
)

// withDefaults returns a copy of o with zero fields replaced by defaults and
// the mechanism normalised.
func (o Options) withDefaults() Options {
	o.SASL.Mechanism = strings.ToUpper(o.SASL.Mechanism)
	if o.SASL.Mechanism == "" {
		o.SASL.Mechanism = SASLAnonymous
		if o.SASL.Username != "" {
			o.SASL.Mechanism = SASLPlain
		}
	}
	o.IdleTimeout = failover.DefaultIfZero(o.IdleTimeout, defaultIdleTimeout)
	o.ConnectTimeout = failover.DefaultIfZero(o.ConnectTimeout, defaultConnectTimeout)
	o.WriteTimeout = failover.DefaultIfZero(o.WriteTimeout, defaultWriteTimeout)
	o.CloseTimeout = failover.DefaultIfZero(o.CloseTimeout, defaultCloseTimeout)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.after == nil {
		o.after = time.After
	}
	return o
}

// validate checks the authentication settings (after withDefaults).
func (o *Options) validate() error {
	switch o.SASL.Mechanism {
	case SASLAnonymous:
	case SASLPlain:
		if o.SASL.Username == "" {
			return fmt.Errorf("sasl PLAIN: missing username")
		}
	case SASLExternal:
		if o.TLS.CertFile == "" || o.TLS.KeyFile == "" {
			return fmt.Errorf("sasl EXTERNAL: needs a TLS client certificate and key")
		}
	default:
		return fmt.Errorf("sasl: unknown mechanism %q (want PLAIN, ANONYMOUS or EXTERNAL)", o.SASL.Mechanism)
	}
	return nil
}

// saslType maps the SASL settings to go-amqp's.
func (o *Options) saslType() goamqp.SASLType {
	switch o.SASL.Mechanism {
	case SASLPlain:
		return goamqp.SASLTypePlain(o.SASL.Username, o.SASL.Password)
	case SASLExternal:
		return goamqp.SASLTypeExternal(o.SASL.Identity)
	}
	return goamqp.SASLTypeAnonymous()
}
