package stomp

import (
	"fmt"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/pipe"
)

// The `with:` fields every STOMP actor kind shares (stomp.sender,
// stomp.receiver): where the broker is and how to connect to it. They are
// declared once here and turned into a URI and Options by connectionFrom, so
// both kinds connect exactly the same way.

// authSpec is the `auth:` object.
func authSpec() *actors.Spec {
	return actors.NewSpec().
		Field(actors.String("scheme").Default("plain").Enum("plain", "x509").
			Description("plain: login/passcode in CONNECT; x509: the TLS client certificate (tls.cert, tls.key)")).
		Field(actors.String("name").Description("login (plain)").Example("guest")).
		Field(actors.String("pass").Secret().Description("passcode (plain)").Example("guest"))
}

// withConnection adds the connection fields to s and returns it.
func withConnection(s *actors.Spec) *actors.Spec {
	return s.
		Field(actors.String("uri").Required().
			Description("broker URI: stomp://host:port, stomp+ssl://host:port or failover:(uri,uri)?randomize=true").
			Example("stomp://127.0.0.1:61613")).
		Field(actors.Object("auth", authSpec()).Description("authentication (none when absent)")).
		Field(actors.Object("tls", pipe.TLSSpec("x509")).Advanced().Description("TLS settings for stomp+ssl:// addresses")).
		Field(actors.String("virtual_host").Advanced().Description(`CONNECT "host" header (default "/", what RabbitMQ wants)`)).
		Field(actors.Duration("heartbeat").Advanced().
			Description("heart-beat period asked for and promised (default 10s; 0 disables); a broker silent for three periods is dead")).
		Field(actors.Duration("connect_timeout").Advanced().
			Description("bound on TCP, TLS and CONNECT of one address (default 10s)")).
		Field(actors.Int("max_frame_size").Default(DefaultMaxFrameSize).Advanced().
			Description("largest frame accepted from the broker, in bytes; a bigger one fails the connection before it is read"))
}

// connection is what the connection fields configure.
type connection struct {
	uri  *URI
	opts Options
}

// connectionFrom reads the connection fields of cfg; the error names the
// offending field.
func connectionFrom(cfg *actors.Config) (connection, error) {
	u, err := ParseURI(cfg.String("uri"))
	if err != nil {
		return connection{}, fmt.Errorf("uri: %w", err)
	}
	o := Options{
		VirtualHost:    cfg.String("virtual_host"),
		ConnectTimeout: cfg.Duration("connect_timeout"),
		MaxFrameSize:   cfg.Int("max_frame_size"),
	}
	if cfg.Has("heartbeat") {
		beat := cfg.Duration("heartbeat")
		if beat == 0 {
			beat = -1 // "0 disables" in YAML; Options take 0 as the default
		}
		o.HeartBeatSend, o.HeartBeatRecv = beat, beat
	}
	if a := cfg.Object("auth"); a != nil {
		o.Auth = Auth{Scheme: a.String("scheme"), Name: a.String("name"), Pass: a.String("pass")}
	}
	o.TLS = pipe.TLSFrom(cfg.Object("tls"))
	if cfg.Has("max_frame_size") { // absent (a Config built in Go): the default
		if err := atLeast(cfg, "max_frame_size", 1); err != nil {
			return connection{}, err
		}
	}
	if err := o.validate(); err != nil {
		return connection{}, err
	}
	if o.ConnectTimeout < 0 {
		return connection{}, fmt.Errorf("connect_timeout: must not be negative, got %s", o.ConnectTimeout)
	}
	if env := cfg.Env(); env != nil {
		o.Logger = env.Logger()
	}
	return connection{uri: u, opts: o}, nil
}
