package stomp

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// Auth is how the client authenticates (stompclt's --*-broker-auth).
type Auth struct {
	// Scheme is "plain" (login/passcode in CONNECT), "x509" (TLS client
	// certificate, TLS.CertFile/KeyFile required) or "none"/"" (nothing).
	Scheme string
	// Name and Pass are the plain credentials.
	Name, Pass string
}

// TLSOptions configure stomp+ssl:// connections: CAFile (PEM bundle of trusted
// CAs; empty: the system pool), CertFile and KeyFile (PEM client
// certificate and key), ServerName (the name checked in the broker
// certificate; default: the host dialled), InsecureSkipVerify (tests only).
// The STOMP and AMQP bricks share this type.
type TLSOptions = failover.TLS

// Options configure a connection; the zero value is usable and gets the
// documented defaults.
type Options struct {
	// Auth is the authentication; zero means none.
	Auth Auth
	// TLS is used for stomp+ssl addresses.
	TLS TLSOptions
	// VirtualHost is the CONNECT "host" header. Default "/": RabbitMQ maps it
	// to its default vhost (and refuses other unknown values), ActiveMQ
	// accepts anything.
	VirtualHost string
	// Headers are extra CONNECT headers (stompclt --*-broker-connect),
	// e.g. "client-id".
	Headers map[string]string
	// HeartBeatSend is how often we promise to send something (0: never);
	// HeartBeatRecv is how often we ask the broker to. The CONNECTED answer
	// decides the real periods; a broker silent for three times its period
	// is declared dead and the connection fails. Defaults: 10 s and 10 s; set a
	// negative value to disable one direction.
	HeartBeatSend, HeartBeatRecv time.Duration
	// ConnectTimeout bounds TCP, TLS and the CONNECT/CONNECTED exchange of
	// one address (default 10 s).
	ConnectTimeout time.Duration
	// WriteTimeout bounds one frame write (default 30 s): a broker that does
	// not read is treated as dead.
	WriteTimeout time.Duration
	// DisconnectTimeout bounds the wait for the DISCONNECT receipt on Close
	// (default 5 s).
	DisconnectTimeout time.Duration
	// SubscribeTimeout bounds the wait for the RECEIPT of a SUBSCRIBE
	// (default: ConnectTimeout; negative: until the caller's context ends).
	// A broker that does not answer in time is taken for dead: the
	// connection fails, and a Receiver reconnects. Without it, a broker that
	// swallows SUBSCRIBE would hang a Receiver for ever when heart-beats are
	// off (with them on, it may still beat while never answering).
	SubscribeTimeout time.Duration
	// ReceiptTimeout bounds the wait of a Sender for the RECEIPT of a SEND
	// (default 30 s; negative: no bound), counted from when the message was
	// sent or resent on the current connection. A broker that does not
	// answer in time is taken for dead: the connection fails with a
	// *ReceiptTimeoutError and the Sender reconnects and resends every
	// unconfirmed message (at-least-once). Without it, a broker that
	// swallows receipts would fill the window and block Send for ever
	// (with heart-beats on, it may keep beating). Set it above the longest
	// a healthy broker may hold receipts back, e.g. RabbitMQ blocking
	// publishers during a memory alarm: each timeout costs a reconnection
	// and duplicates.
	ReceiptTimeout time.Duration
	// MaxFrameSize bounds a frame from the broker, command, headers and
	// body (default DefaultMaxFrameSize). A bigger frame fails the
	// connection with an error matching ErrFrameTooLarge, before its body
	// is allocated: go-stomp's frame reader would otherwise allocate
	// whatever content-length a broken broker declares, up to 4 GiB.
	MaxFrameSize int
	// Logger receives connection events (default slog.Default()).
	Logger *slog.Logger

	// after replaces time.After in the reconnection backoff (tests).
	after func(time.Duration) <-chan time.Time
	// onReceipt, when set, receives the caller's receipts in the reader
	// goroutine instead of Conn.Receipts: the Sender uses it to save a
	// goroutine hop per message.
	onReceipt func(id string)
}

// DefaultMaxFrameSize is the MaxFrameSize of Options that set none: far
// above the messages a messaging pipeline carries, small enough that a
// broken or hostile broker cannot exhaust the memory with one frame.
const DefaultMaxFrameSize = 64 << 20

const (
	defaultHeartBeat         = 10 * time.Second
	defaultConnectTimeout    = 10 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultDisconnectTimeout = 5 * time.Second
	defaultReceiptTimeout    = 30 * time.Second
)

// withDefaults returns a copy of o with zero fields replaced by defaults.
func (o Options) withDefaults() Options {
	if o.VirtualHost == "" {
		o.VirtualHost = "/"
	}
	o.HeartBeatSend = failover.DefaultIfZero(o.HeartBeatSend, defaultHeartBeat)
	o.HeartBeatRecv = failover.DefaultIfZero(o.HeartBeatRecv, defaultHeartBeat)
	o.ConnectTimeout = failover.DefaultIfZero(o.ConnectTimeout, defaultConnectTimeout)
	o.WriteTimeout = failover.DefaultIfZero(o.WriteTimeout, defaultWriteTimeout)
	o.DisconnectTimeout = failover.DefaultIfZero(o.DisconnectTimeout, defaultDisconnectTimeout)
	o.SubscribeTimeout = failover.DefaultIfZero(o.SubscribeTimeout, o.ConnectTimeout)
	o.ReceiptTimeout = failover.DefaultIfZero(o.ReceiptTimeout, defaultReceiptTimeout)
	if o.MaxFrameSize == 0 {
		o.MaxFrameSize = DefaultMaxFrameSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.after == nil {
		o.after = time.After
	}
	return o
}

// validate checks the authentication settings and the frame size limit.
func (o *Options) validate() error {
	if o.MaxFrameSize < 0 {
		return fmt.Errorf("max frame size: must not be negative, got %d", o.MaxFrameSize)
	}
	switch o.Auth.Scheme {
	case "", "none":
	case "plain":
		if o.Auth.Name == "" {
			return fmt.Errorf("auth plain: missing name")
		}
	case "x509":
		if o.TLS.CertFile == "" || o.TLS.KeyFile == "" {
			return fmt.Errorf("auth x509: needs a client certificate and key (tls cert and key)")
		}
	default:
		return fmt.Errorf("auth: unknown scheme %q (want plain, x509 or none)", o.Auth.Scheme)
	}
	return nil
}
