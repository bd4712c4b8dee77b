package faults

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
)

// A garbage server is what a stage may meet at a broker's address: another
// program, a broken proxy, a corrupted stream. Each mode below serves one
// connection so, then the connection is closed.
type garbage struct {
	name  string
	serve func(c net.Conn)
}

// noise writes bytes no protocol would accept: NULs, newlines, colons and
// random bytes, the same on every run.
func noise(c net.Conn) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 4096)
	for i := range b {
		b[i] = "\x00\n:\\\r"[r.IntN(5)]
		if r.IntN(3) == 0 {
			b[i] = byte(r.Uint32())
		}
	}
	answer(c, nil, string(b))
}

// answer waits for the client's first frame (up to its first NUL byte, for
// STOMP, or its 8-byte protocol header, for AMQP, when first says how to
// find it; nil reads nothing), writes reply, and waits (boundedly) for the
// client to give up on the connection.
func answer(c net.Conn, first func(*bufio.Reader) error, reply string) {
	// Bounded: a client that never notices the garbage is freed after this.
	_ = c.SetDeadline(time.Now().Add(15 * time.Second))
	br := bufio.NewReader(c)
	if first != nil && first(br) != nil {
		return
	}
	if _, err := io.WriteString(c, reply); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, br)
}

// stompFrame reads one client frame (CONNECT).
func stompFrame(br *bufio.Reader) error {
	_, err := br.ReadString(0)
	return err
}

// amqpHeader reads the client's protocol header and echoes it back.
func amqpHeader(br *bufio.Reader) error {
	_, err := io.ReadFull(br, make([]byte, 8))
	return err
}

const connected = "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00"

// stompGarbage are the broken STOMP servers.
var stompGarbage = []garbage{
	{"noise", noise},
	{"http", func(c net.Conn) { answer(c, nil, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") }},
	{"header without colon", func(c net.Conn) {
		answer(c, stompFrame, connected+"MESSAGE\nthis header has no colon\n\nbody\x00")
	}},
	{"bad escape", func(c net.Conn) {
		answer(c, stompFrame, connected+"MESSAGE\ndestination:/queue/x\nsubscription:0\nmessage-id:\\q\n\nbody\x00")
	}},
	{"body not NUL-terminated", func(c net.Conn) {
		answer(c, stompFrame, connected+"MESSAGE\ndestination:/queue/x\ncontent-length:3\n\nabcXYZ\n\n\n")
	}},
	{"huge content-length", func(c net.Conn) {
		answer(c, stompFrame, "CONNECTED\nversion:1.2\ncontent-length:1000000000\n\nshort")
	}},
	{"unknown command", func(c net.Conn) { answer(c, stompFrame, "HELLO\nfoo:bar\n\n\x00") }},
}

// amqpGarbage are the broken AMQP servers. "AMQP\x03\x01\x00\x00" is the
// SASL protocol header, "AMQP\x00\x01\x00\x00" the AMQP one.
var amqpGarbage = []garbage{
	{"noise", noise},
	{"http", func(c net.Conn) { answer(c, nil, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") }},
	{"unknown protocol", func(c net.Conn) { answer(c, amqpHeader, "AMQP\x05\x01\x00\x00") }},
	{"frame too short", func(c net.Conn) {
		answer(c, amqpHeader, "AMQP\x03\x01\x00\x00\x00\x00\x00\x02\x02\x01\x00\x00")
	}},
	{"huge frame", func(c net.Conn) {
		answer(c, amqpHeader, "AMQP\x03\x01\x00\x00\xff\xff\xff\xf0\x02\x01\x00\x00garbage")
	}},
	{"garbage performative", func(c net.Conn) {
		answer(c, amqpHeader, "AMQP\x03\x01\x00\x00\x00\x00\x00\x10\x02\x01\x00\x00\x00\x53\x40\xd0\xff\xff\xff\xff")
	}},
}

// TestGarbageServer puts a fake server in front of the broker. The stages'
// first connections (one each) are forwarded to the broker, so the tree
// starts; once a tenth of the messages arrived they are cut, and the next
// connections are answered with garbage, one mode each, before the fake
// forwards to the broker again. The stages connect with no reconnection inside the
// library (maxReconnectAttempts=0, or a plain AMQP address), so every
// garbage connection fails a stage: the supervisor must restart it (seen
// as ChildRestarted events), the error must name the broker, no panic may
// escape (it would end the test binary), and every message of the source
// queue must arrive.
func TestGarbageServer(t *testing.T) {
	for _, tc := range []struct {
		name, proto string
		modes       []garbage
		uri         func(addr string) string
		extra       string
		dest        func(string) string
		broker      func(t *testing.T) string
		// direct: only the sender goes through the fake (Qpid's example
		// broker forgets what it sent to a receiver whose connection died).
		direct bool
	}{
		{"STOMP", "stomp", stompGarbage,
			func(a string) string { return "failover:(stomp://" + a + ")?maxReconnectAttempts=0" },
			"heartbeat: 1s, connect_timeout: 5s", func(d string) string { return "/queue/" + d },
			func(t *testing.T) string { return startEmbedded(t, "127.0.0.1:0").Addr().String() }, false},
		{"AMQP", "amqp", amqpGarbage,
			func(a string) string { return "amqp://" + a },
			"auth: {scheme: anonymous}, heartbeat: 2s, connect_timeout: 5s", func(d string) string { return d },
			func(t *testing.T) string { return privateQpid(t, proctest.FreeAddr(t)).addr }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			upstream := tc.broker(t)
			served := make(chan string, len(tc.modes))
			first := 2 // the stages' first connections
			if tc.direct {
				first = 1
			}
			p := newProxy(t, upstream, func(n int) func(net.Conn) {
				if n < first || n >= first+len(tc.modes) {
					return nil
				}
				served <- tc.modes[n-first].name
				return tc.modes[n-first].serve
			})
			dest := tc.dest(unique(t, ""))
			with := fmt.Sprintf(`uri: %q, %s, destination: %q`, tc.uri(p.addr()), tc.extra, dest)
			rwith := with
			if tc.direct {
				rwith = fmt.Sprintf(`uri: %q, %s, destination: %q`, tc.uri(upstream), tc.extra, dest)
			}
			pl := newPipeline(t, tc.proto, with, rwith)
			const n = 1000
			pl.fill(t, n)
			t0 := time.Now()
			_, rec := runTree(t, pl.yaml())
			kindtest.WaitUntil(t, "a tenth of the messages arrived", func() bool { return kindtest.Count(t, pl.dst) >= n/10 })
			p.cut()
			kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, pl.src) == 0 })
			kindtest.WaitUntil(t, "every message arrived", func() bool { return len(kindtest.Read(t, pl.dst)) >= n })
			dups := kindtest.CheckArrived(t, kindtest.Read(t, pl.dst), n)
			if len(served) != len(tc.modes) {
				t.Errorf("only %d of the %d garbage modes were served", len(served), len(tc.modes))
			}
			var fails []error
			for _, node := range []string{"sender", "receiver"} {
				fails = append(fails, rec.failures(node)...)
				fails = append(fails, rec.startFailures(node)...)
			}
			if len(rec.failures("sender"))+len(rec.failures("receiver")) == 0 {
				t.Error("no stage failed and was restarted")
			}
			for _, err := range fails {
				if !strings.Contains(fmt.Sprint(err), p.addr()) {
					t.Errorf("a failure does not name the broker %s: %v", p.addr(), err)
				}
			}
			t.Logf("%s: %d garbage connections, then the broker: %d messages, %d duplicates, %s; "+
				"restarts: sender %d, receiver %d; failed restarts: sender %d, receiver %d",
				tc.name, len(tc.modes), n, dups, time.Since(t0).Round(100*time.Millisecond),
				len(rec.failures("sender")), len(rec.failures("receiver")),
				len(rec.startFailures("sender")), len(rec.startFailures("receiver")))
			seen := map[string]bool{} // a failed restart is also the next restart's reason
			for _, err := range fails {
				if msg := err.Error(); !seen[msg] {
					seen[msg] = true
					t.Logf("  failed: %s", msg)
				}
			}
		})
	}
}
