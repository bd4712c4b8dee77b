package amqp

import (
	"errors"
	"fmt"
	"strings"

	goamqp "github.com/Azure/go-amqp"
)

// ErrClosed is returned by operations on a closed Conn, Sender or Receiver.
var ErrClosed = errors.New("amqp: closed")

// ErrSettled is returned when a Delivery is settled twice.
var ErrSettled = errors.New("amqp: delivery already settled")

// AuthError is a broker refusing our SASL authentication (wrong password,
// unknown user, mechanism not offered).
type AuthError struct {
	// Addr is the broker that refused.
	Addr Address
	// Mechanism is the SASL mechanism tried; User the PLAIN username.
	Mechanism, User string
	// Err is go-amqp's error.
	Err error
}

// Error renders e.g. `broker amqp://127.0.0.1:5672 refused SASL PLAIN
// authentication as "guest": SASL PLAIN auth failed with code 0x1`.
func (e *AuthError) Error() string {
	who := ""
	if e.User != "" {
		who = fmt.Sprintf(" as %q", e.User)
	}
	return fmt.Sprintf("broker %s refused SASL %s authentication%s: %v", e.Addr, e.Mechanism, who, e.Err)
}

// Unwrap returns go-amqp's error.
func (e *AuthError) Unwrap() error { return e.Err }

// isAuthError recognises go-amqp's SASL failures, which are plain strings
// ("SASL PLAIN auth failed with code 0x1", "no supported auth mechanism").
func isAuthError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SASL") || strings.Contains(s, "auth mechanism")
}

// DispositionError is a broker's negative outcome for one message we sent:
// rejected, released or modified. Only "accepted" confirms a message.
type DispositionError struct {
	// Addr is the broker, Target the link address the message was sent to.
	Addr   Address
	Target string
	// Outcome is "rejected", "released" or "modified".
	Outcome string
	// Condition and Description come from a rejected outcome's error, if any.
	Condition, Description string
	// DeliveryFailed and UndeliverableHere are the modified outcome's flags.
	DeliveryFailed, UndeliverableHere bool
}

// Error renders e.g. "broker amqp://h:5672 target /queue/x: message rejected: amqp:not-found: no queue".
func (e *DispositionError) Error() string {
	s := fmt.Sprintf("broker %s target %s: message %s", e.Addr, e.Target, e.Outcome)
	if e.Condition != "" {
		s += ": " + e.Condition
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// outcomeError maps a delivery state to nil (accepted, or nil for a
// pre-settled message) or a *DispositionError.
func outcomeError(a Address, target string, st goamqp.DeliveryState) error {
	switch st := st.(type) {
	case nil, *goamqp.StateAccepted:
		return nil
	case *goamqp.StateRejected:
		e := &DispositionError{Addr: a, Target: target, Outcome: "rejected"}
		if st.Error != nil {
			e.Condition, e.Description = string(st.Error.Condition), st.Error.Description
		}
		return e
	case *goamqp.StateReleased:
		return &DispositionError{Addr: a, Target: target, Outcome: "released"}
	case *goamqp.StateModified:
		return &DispositionError{Addr: a, Target: target, Outcome: "modified",
			DeliveryFailed: st.DeliveryFailed, UndeliverableHere: st.UndeliverableHere}
	default:
		return &DispositionError{Addr: a, Target: target, Outcome: fmt.Sprintf("%T", st)}
	}
}
