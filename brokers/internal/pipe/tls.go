package pipe

import (
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// TLSSpec is the `tls:` object of the broker kinds; auth names the
// authentication scheme that uses the client certificate ("x509" for
// STOMP, "external" for AMQP).
func TLSSpec(auth string) *actors.Spec {
	return actors.NewSpec().
		Field(actors.String("ca").Description("PEM bundle of trusted CAs (default: the system pool)").Example("/etc/bricks/ca.pem")).
		Field(actors.String("cert").Description("PEM client certificate (" + auth + " auth)")).
		Field(actors.String("key").Description("PEM client key (" + auth + " auth)")).
		Field(actors.String("server_name").Description("name checked in the broker certificate (default: the host dialled)")).
		Field(actors.Bool("insecure").Default(false).Advanced().Description("skip certificate checks (tests only)"))
}

// TLSFrom reads a `tls:` object (TLSSpec); nil gives the zero options.
func TLSFrom(t *actors.Config) failover.TLS {
	if t == nil {
		return failover.TLS{}
	}
	return failover.TLS{CAFile: t.String("ca"), CertFile: t.String("cert"), KeyFile: t.String("key"),
		ServerName: t.String("server_name"), InsecureSkipVerify: t.Bool("insecure")}
}
