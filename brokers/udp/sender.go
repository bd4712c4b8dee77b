package udp

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/queue"
)

// MaxDatagram is the largest UDP payload over IPv4 (65535 minus the IP
// and UDP headers).
const MaxDatagram = 65507

// sendBuffer is the send buffer stompclt asks for.
const sendBuffer = 256 << 20

// ErrTooLarge is the reason a message is refused: its frame does not fit
// in one datagram.
var ErrTooLarge = errors.New("message too large for a UDP datagram")

// Sender writes messages as datagrams to one address.
type Sender struct {
	uri  string
	conn *net.UDPConn
	buf  bytes.Buffer
}

// Dial resolves a udp://host:port URI and opens a socket connected to it
// (no packet is sent: UDP has no handshake).
func Dial(uri string) (*Sender, error) {
	addr, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("udp %s: %w", uri, err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		return nil, fmt.Errorf("udp %s: %w", uri, err)
	}
	_ = conn.SetWriteBuffer(sendBuffer) // a request: the kernel caps it
	return &Sender{uri: uri, conn: conn}, nil
}

// ParseURI returns the host:port of a udp://host:port URI.
func ParseURI(uri string) (string, error) {
	u, err := url.Parse(uri)
	switch {
	case err != nil:
		return "", fmt.Errorf("udp uri %q: %w", uri, err)
	case !strings.EqualFold(u.Scheme, "udp"):
		return "", fmt.Errorf("udp uri %q: want udp://host:port", uri)
	case u.Hostname() == "" || u.Port() == "":
		return "", fmt.Errorf("udp uri %q: want udp://host:port (host and port)", uri)
	case u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "":
		return "", fmt.Errorf("udp uri %q: only udp://host:port is allowed (UDP has no credentials or options)", uri)
	}
	return u.Host, nil
}

// Send writes m to dest (m's own destination header when dest is empty)
// as one datagram. A message that can never be sent (no destination, a
// frame over MaxDatagram) is an error wrapping ErrTooLarge or describing
// the header; a socket error is returned as is.
func (s *Sender) Send(dest string, m *queue.Message) error {
	f, err := stomp.MessageToFrame(dest, m, false)
	if err != nil {
		return &RefusedError{Err: err}
	}
	s.buf.Reset()
	if err := frame.NewWriter(&s.buf).Write(f); err != nil {
		return &RefusedError{Err: err}
	}
	if s.buf.Len() > MaxDatagram {
		return &RefusedError{Err: fmt.Errorf("%w: %d bytes as a frame, at most %d", ErrTooLarge, s.buf.Len(), MaxDatagram)}
	}
	if _, err := s.conn.Write(s.buf.Bytes()); err != nil {
		return fmt.Errorf("udp %s: %w", s.uri, err)
	}
	return nil
}

// Close closes the socket.
func (s *Sender) Close() error { return s.conn.Close() }

// RefusedError is a message that can never be sent as a datagram, as
// opposed to a socket failure.
type RefusedError struct{ Err error }

func (e *RefusedError) Error() string { return "udp: " + e.Err.Error() }

// Unwrap returns the reason.
func (e *RefusedError) Unwrap() error { return e.Err }
