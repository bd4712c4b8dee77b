package amqp

import (
	"fmt"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
)

// The `with:` fields both AMQP actor kinds share (amqp.sender,
// amqp.receiver): where the broker is and how to connect to it
// (the stomp kinds' fields where they apply).
// They are declared once here and turned into a URI and Options by
// connectionFrom, so both kinds connect exactly the same way.

// kindAuthSpec is the `auth:` object.
func kindAuthSpec() *actors.Spec {
	return actors.NewSpec().
		Field(actors.String("scheme").Default("plain").Enum("plain", "anonymous", "external").
			Description("SASL mechanism: plain (name, pass: RabbitMQ), anonymous (Qpid's example broker) or external (the TLS client certificate: tls.cert, tls.key)")).
		Field(actors.String("name").Description("username (plain)").Example("guest")).
		Field(actors.String("pass").Secret().Description("password (plain); or pass_file: a file holding it").Example("guest"))
}

// withKindConnection adds the connection fields to s and returns it.
func withKindConnection(s *actors.Spec) *actors.Spec {
	return s.
		Field(actors.String("uri").Required().
			Description("broker URI: amqp://host:port, amqps://host:port or failover:(uri,uri)?randomize=true").
			Example("amqp://127.0.0.1:5672")).
		Field(actors.Object("auth", kindAuthSpec()).Description("authentication (SASL ANONYMOUS when absent)")).
		Field(actors.Object("tls", pipe.TLSSpec("external")).Advanced().Description("TLS settings for amqps:// addresses")).
		Field(actors.String("virtual_host").Advanced().
			Description(`virtual host, sent as the open frame's hostname "vhost:NAME" (RabbitMQ); default: the broker's default`)).
		Field(actors.Duration("heartbeat").Advanced().
			Description("the broker must send something (a heart-beat at least) this often, or the connection is dead (default 30s; 0 disables)")).
		Field(actors.Duration("connect_timeout").Advanced().
			Description("bound on TCP, TLS, SASL and open of one address (default 10s)"))
}

// kindConnection is what the connection fields configure.
type kindConnection struct {
	uri  *URI
	opts Options
}

// connectionFrom reads the connection fields of cfg; the error names the
// offending field.
func connectionFrom(cfg *actors.Config) (kindConnection, error) {
	u, err := ParseURI(cfg.String("uri"))
	if err != nil {
		return kindConnection{}, fmt.Errorf("uri: %w", err)
	}
	o := Options{ConnectTimeout: cfg.Duration("connect_timeout")}
	if o.ConnectTimeout < 0 {
		return kindConnection{}, fmt.Errorf("connect_timeout: must not be negative, got %s", o.ConnectTimeout)
	}
	if vh := cfg.String("virtual_host"); vh != "" {
		o.HostName = "vhost:" + vh
	}
	if cfg.Has("heartbeat") {
		// Options.IdleTimeout is the silence allowed; go-amqp asks the
		// broker for heart-beats at half of it, so a broker that misses
		// two heart-beats in a row is declared dead.
		switch beat := cfg.Duration("heartbeat"); {
		case beat < 0:
			return kindConnection{}, fmt.Errorf("heartbeat: must not be negative, got %s", beat)
		case beat == 0:
			o.IdleTimeout = -1 // "0 disables" in YAML; Options take 0 as the default
		default:
			o.IdleTimeout = 2 * beat
		}
	}
	if a := cfg.Object("auth"); a != nil {
		o.SASL = SASL{Mechanism: strings.ToUpper(a.String("scheme")), Username: a.String("name"), Password: a.String("pass")}
		if o.SASL.Mechanism == "" {
			o.SASL.Mechanism = SASLPlain
		}
	}
	o.TLS = pipe.TLSFrom(cfg.Object("tls"))
	checked := o.withDefaults()
	if err := checked.validate(); err != nil {
		return kindConnection{}, fmt.Errorf("auth: %w", err)
	}
	if env := cfg.Env(); env != nil {
		o.Logger = env.Logger()
	}
	return kindConnection{uri: u, opts: o}, nil
}
