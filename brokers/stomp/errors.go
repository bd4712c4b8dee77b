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
