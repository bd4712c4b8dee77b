// Package failover holds what the broker client bricks (brokers/stomp,
// brokers/amqp) share to reach a broker: parsing a broker URI, a single
// address or an ActiveMQ-style failover list with its reconnection options
// (uri.go, policy.go), the reconnection backoff and the connection round
// over the list (backoff.go), and the TLS client configuration (tls.go).
// Each protocol brings its schemes and default ports (Schemes) and keeps
// its own exported types; only the packages under brokers/ may import this
// one.
package failover
