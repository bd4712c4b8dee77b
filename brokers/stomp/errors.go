package stomp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrClosed is returned by operations on a closed Conn, Sender or Receiver.
var ErrClosed = errors.New("stomp: closed")

// ErrConnectionLost is returned when acknowledging a message whose connection
// has died: the broker redelivers such messages (at-least-once).
var ErrConnectionLost = errors.New("stomp: connection lost")

// BrokerError is an ERROR frame sent by the broker.
type BrokerError struct {
	// Addr is the broker that sent it.
	Addr Address
	// During names what the client was doing ("CONNECT", or "" once connected).
	During string
	// Message is the ERROR frame's "message" header; Body its body (trimmed).
	Message, Body string
	// ReceiptID is the "receipt-id" header: the receipt of the frame that
	// caused the error, when the broker says so.
	ReceiptID string
}

// Error renders e.g. "broker stomp://127.0.0.1:61613 refused CONNECT: Access refused: ...".
func (e *BrokerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "broker %s ", e.Addr)
	if e.During != "" {
		fmt.Fprintf(&b, "refused %s", e.During)
	} else {
		b.WriteString("sent ERROR")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if body := strings.TrimSpace(e.Body); body != "" && body != e.Message {
		if len(body) > 200 {
			body = body[:200] + "..."
		}
		b.WriteString(": " + strings.ReplaceAll(body, "\n", " "))
	}
	return b.String()
}

// SilentError reports a broker that stopped sending heart-beats.
type SilentError struct {
	// Addr is the broker.
	Addr Address
	// Period is the negotiated broker heart-beat period.
	Period time.Duration
}

func (e *SilentError) Error() string {
	return fmt.Sprintf("broker %s silent: nothing received for %s (heart-beat %s)", e.Addr, silenceFactor*e.Period, e.Period)
}

// DestinationError stops a Sender whose destination the broker refuses as
// such: no permission to write (RabbitMQ access_refused, ActiveMQ "not
// authorized"), a destination that does not exist (RabbitMQ not_found for a
// missing exchange), or any refusal that struck two different messages in
// a row. Every message to it would be refused, so none is rejected: they
// stay pending, without a Result, for the caller to offer again once the
// broker's configuration is fixed (the stomp.sender kind fails, and the
// queue keeps its elements).
type DestinationError struct {
	// Destinations are the destinations of the refused messages (one, or
	// two when the second probed message went elsewhere).
	Destinations []string
	// Kept is the number of messages left pending.
	Kept int
	// Err is the broker's ERROR (it names the broker).
	Err *BrokerError
}

// Error renders e.g. "destination /queue/out refused, 5 messages kept
// unsent: broker stomp://127.0.0.1:61613 sent ERROR: access_refused: ...".
func (e *DestinationError) Error() string {
	return fmt.Sprintf("destination %s refused, %d messages kept unsent: %v",
		strings.Join(e.Destinations, " and "), e.Kept, e.Err)
}

// Unwrap returns the broker's ERROR.
func (e *DestinationError) Unwrap() error { return e.Err }

// LoginError stops a Sender or a Receiver whose CONNECT a broker refused
// (wrong login or passcode, unknown virtual host), when it starts as when
// it reconnects: Err is that round's error, a *BrokerError naming the
// broker and quoting its reason (never the passcode).
//
// The login is not retried inside the library. It stays wrong until
// someone fixes it, and the URI's maxReconnectAttempts is unlimited by
// default, so retrying there would hide it for ever from the supervisor.
// The supervisor's restart is the retry instead: spaced by its backoff,
// counted against its intensity, reported as an event naming the broker,
// and it rides out a refusal that is only transient (a broker whose users
// or virtual hosts are not loaded yet) as well. brokers/amqp does the same
// with its *AuthError.
type LoginError struct {
	// Err is the refused round's error.
	Err error
}

// Error renders e.g. "login refused: broker stomp://127.0.0.1:61613
// refused CONNECT: Access refused: ...".
func (e *LoginError) Error() string { return "login refused: " + e.Err.Error() }

// Unwrap returns the refused round's error.
func (e *LoginError) Unwrap() error { return e.Err }

// ReceiptTimeoutError fails a Sender's connection on which a message
// waited for its RECEIPT longer than Options.ReceiptTimeout: the broker is
// taken for dead (it may still send heart-beats, and without them nothing
// else would notice). The Sender reconnects and resends every unconfirmed
// message (at-least-once: the broker may have taken some); when
// reconnection is exhausted it stops with this error.
type ReceiptTimeoutError struct {
	// Addr is the broker.
	Addr Address
	// Destination is the destination of the oldest unconfirmed message.
	Destination string
	// Timeout is Options.ReceiptTimeout.
	Timeout time.Duration
	// Unconfirmed is the number of messages then waiting for a receipt.
	Unconfirmed int
}

// Error renders e.g. "broker stomp://127.0.0.1:61613: no RECEIPT within
// 30s for a message sent to /queue/out (7 messages unconfirmed)".
func (e *ReceiptTimeoutError) Error() string {
	return fmt.Sprintf("broker %s: no RECEIPT within %s for a message sent to %s (%d messages unconfirmed)",
		e.Addr, e.Timeout, e.Destination, e.Unconfirmed)
}

// loginRefused reports an error of a connection round in which a broker
// answered CONNECT with an ERROR.
func loginRefused(err error) bool {
	var be *BrokerError
	return errors.As(err, &be) && be.During == "CONNECT"
}

// What brokers say when they refuse a destination rather than a message,
// lower case. accessRefusals condemn the destination at once; missing
// ones only when no other message can tell (see Sender.probe).
var (
	accessRefusals = []string{
		"access_refused",           // RabbitMQ: ACCESS_REFUSED - access to exchange ... refused for user
		"is not authorized to",     // ActiveMQ: User x is not authorized to write to: queue://y
		"securityexception",        // ActiveMQ's body: java.lang.SecurityException
		"does not have permission", // Artemis: AMQ229032 User: x does not have permission='SEND'
	}
	missingDestinations = []string{
		"not_found",      // RabbitMQ: NOT_FOUND - no exchange 'x' in vhost '/'
		"does not exist", // Artemis: AMQ229017 Queue x does not exist
	}
)

// refusesAccess reports an ERROR refusing the client access to a
// destination (a permission): every message to it would be refused.
func refusesAccess(be *BrokerError) bool { return says(be, accessRefusals) }

// refusesDestination reports an ERROR about the destination rather than
// the message: a refused access or a missing destination.
func refusesDestination(be *BrokerError) bool {
	return refusesAccess(be) || says(be, missingDestinations)
}

// says reports whether the ERROR's message or body contains one of words.
func says(be *BrokerError, words []string) bool {
	text := strings.ToLower(be.Message + "\n" + be.Body)
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
