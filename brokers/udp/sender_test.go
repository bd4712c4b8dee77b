package udp

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

func TestParseURI(t *testing.T) {
	for uri, want := range map[string]string{
		"udp://127.0.0.1:5000": "127.0.0.1:5000", "UDP://mon.example.org:1": "mon.example.org:1", "udp://[::1]:7": "[::1]:7",
		"udp://h": "error: host and port", "stomp://h:1": "error: want udp://host:port", "udp://u:p@h:1": "error: no credentials",
		"udp://h:1?x": "error: no credentials",
	} {
		got, err := ParseURI(uri)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want && !(strings.HasPrefix(want, "error: ") && strings.Contains(got, strings.TrimPrefix(want, "error: "))) {
			t.Errorf("ParseURI(%q) = %q, want %q", uri, got, want)
		}
	}
}

// listen opens a UDP socket on a free loopback port.
func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// receive reads one datagram and parses it as a STOMP frame.
func receive(t *testing.T, c *net.UDPConn) *frame.Frame {
	t.Helper()
	buf := make([]byte, 1<<16)
	_ = c.SetReadDeadline(time.Now().Add(time.Minute)) // detects a hang only
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := frame.NewReader(bytes.NewReader(buf[:n])).Read()
	if err != nil {
		t.Fatalf("datagram is not a STOMP frame: %v: %q", err, buf[:n])
	}
	return f
}

// TestSendFrames: each message is one datagram holding its SEND frame,
// headers escaped and binary bodies intact, read back as the message.
func TestSendFrames(t *testing.T) {
	l := listen(t)
	s, err := Dial("udp://" + l.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		m := kindtest.Message(i)
		if err := s.Send("/topic/monitor", m); err != nil {
			t.Fatal(err)
		}
		f := receive(t, l)
		if f.Command != frame.SEND || f.Header.Get(frame.Destination) != "/topic/monitor" {
			t.Errorf("frame %s to %q", f.Command, f.Header.Get(frame.Destination))
		}
		got := stomp.FrameToMessage(f)
		if !bytes.Equal(got.Body, m.Body) || got.Text != m.Text {
			t.Errorf("message %d: body %q text %v, want %q %v", i, got.Body, got.Text, m.Body, m.Text)
		}
		for k, v := range m.Header {
			if got.Header[k] != v {
				t.Errorf("message %d: header %s = %q, want %q", i, k, got.Header[k], v)
			}
		}
	}
}

// TestSendRefusals: a message that cannot be a datagram is refused as
// such (the source moves it aside), not a socket failure.
func TestSendRefusals(t *testing.T) {
	l := listen(t)
	s, err := Dial("udp://" + l.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var refused *RefusedError
	err = s.Send("/queue/x", queue.NewBinary(make([]byte, MaxDatagram), nil))
	if !errors.As(err, &refused) || !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized message: %v, want a RefusedError wrapping ErrTooLarge", err)
	}
	err = s.Send("", queue.NewText("no destination", nil))
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "no destination") {
		t.Errorf("message without destination: %v, want a RefusedError naming it", err)
	}
	// the largest message that fits still goes
	if err := s.Send("/queue/x", queue.NewBinary(make([]byte, MaxDatagram-200), nil)); err != nil {
		t.Errorf("message under the limit: %v", err)
	}
	if f := receive(t, l); len(f.Body) != MaxDatagram-200 {
		t.Errorf("received a body of %d bytes", len(f.Body))
	}
}
