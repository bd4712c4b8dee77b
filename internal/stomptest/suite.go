package stomptest

import (
	"bytes"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"
)

var nameSeq atomic.Uint64

// Unique returns a destination under prefix ("/queue/" or "/topic/") that
// no earlier run used, since real brokers keep queues between runs.
func Unique(prefix, name string) string {
	return fmt.Sprintf("%sstomptest-%s-%d-%d", prefix, name, time.Now().UnixNano(), nameSeq.Add(1))
}

// Run runs the conformance suite against tg, one subtest per behaviour. A
// subtest named in skip (e.g. "Nack") is skipped with the given reason, for
// documented differences of a real broker.
func Run(t *testing.T, tg Target, skip map[string]string) {
	tests := []struct {
		name string
		fn   func(*testing.T, Target)
	}{
		{"ClientRoundTrip", testClientRoundTrip},
		{"ClientAckModes", testClientAckModes},
		{"PipelinedReceipts", testPipelinedReceipts},
		{"AckClientIndividual", testAckClientIndividual},
		{"AckClientCumulative", testAckClientCumulative},
		{"Nack", testNack},
		{"RedeliveryOnDisconnect", testRedeliveryOnDisconnect},
		{"Prefetch", testPrefetch},
		{"CompetingConsumers", testCompetingConsumers},
		{"TopicFanout", testTopicFanout},
		{"Transactions", testTransactions},
		{"DisconnectReceipt", testDisconnectReceipt},
		{"GarbageInput", testGarbageInput},
		{"MissingDestination", testMissingDestination},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if why, ok := skip[tc.name]; ok {
				t.Skip(why)
			}
			tc.fn(t, tg)
		})
	}
}

// dialClient connects the go-stomp client to tg.
func dialClient(t *testing.T, tg Target, opts ...func(*stomp.Conn) error) *stomp.Conn {
	t.Helper()
	opts = append([]func(*stomp.Conn) error{stomp.ConnOpt.Host(host(tg)), stomp.ConnOpt.Logger(QuietLogger{})}, opts...)
	if tg.Login != "" {
		opts = append(opts, stomp.ConnOpt.Login(tg.Login, tg.Passcode))
	}
	c, err := stomp.Dial("tcp", tg.Addr, opts...)
	if err != nil {
		t.Fatalf("stomp.Dial %s: %v", tg.Addr, err)
	}
	t.Cleanup(func() { _ = c.MustDisconnect() })
	return c
}

func receive(t *testing.T, tg Target, sub *stomp.Subscription) *stomp.Message {
	t.Helper()
	select {
	case m, ok := <-sub.C:
		if !ok {
			t.Fatal("subscription closed")
		}
		if m.Err != nil {
			t.Fatalf("receive: %v", m.Err)
		}
		return m
	case <-time.After(tg.timeout()):
		t.Fatalf("no message within %v", tg.timeout())
	}
	return nil
}

func testClientRoundTrip(t *testing.T, tg Target) {
	for _, v := range []struct {
		name    string
		version func(*stomp.Conn) error
	}{{"1.1", stomp.ConnOpt.AcceptVersion(stomp.V11)}, {"1.2", stomp.ConnOpt.AcceptVersion(stomp.V12)}} {
		t.Run(v.name, func(t *testing.T) {
			dest := Unique("/queue/", "roundtrip")
			c := dialClient(t, tg, v.version)
			sub, err := c.Subscribe(dest, stomp.AckClientIndividual, stomp.SubscribeOpt.Header("prefetch-count", "10"))
			if err != nil {
				t.Fatal(err)
			}
			text := []byte("hello, wörld")
			binary := []byte{0, 1, 2, 0, 255, 0, '\n', 0}
			odd := "a:b\\c\nd" // needs STOMP 1.2 escaping
			if err := c.Send(dest, "text/plain", text, stomp.SendOpt.Receipt, stomp.SendOpt.Header("x-odd", odd),
				// The same persistence for both, or ActiveMQ may reorder them.
				stomp.SendOpt.Header("persistent", "true")); err != nil {
				t.Fatal(err)
			}
			if err := c.Send(dest, "application/octet-stream", binary, stomp.SendOpt.Receipt, stomp.SendOpt.Header("persistent", "true")); err != nil {
				t.Fatal(err)
			}
			m := receive(t, tg, sub)
			if !bytes.Equal(m.Body, text) || m.ContentType != "text/plain" {
				t.Errorf("text message: got %q %q", m.ContentType, m.Body)
			}
			if got := m.Header.Get("x-odd"); got != odd && v.name == "1.2" {
				t.Errorf("header x-odd: got %q, want %q", got, odd)
			}
			if m.Header.Get(frame.MessageId) == "" || m.Destination != dest {
				t.Errorf("MESSAGE headers: %v", m.Header)
			}
			if err := c.Ack(m); err != nil {
				t.Fatal(err)
			}
			m = receive(t, tg, sub)
			if !bytes.Equal(m.Body, binary) {
				t.Errorf("binary message: got %v, want %v", m.Body, binary)
			}
			if err := c.Ack(m); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func testClientAckModes(t *testing.T, tg Target) {
	for _, mode := range []stomp.AckMode{stomp.AckAuto, stomp.AckClient, stomp.AckClientIndividual} {
		t.Run(mode.String(), func(t *testing.T) {
			dest := Unique("/queue/", "ackmode")
			c := dialClient(t, tg)
			for i := range 3 {
				if err := c.Send(dest, "text/plain", []byte(strconv.Itoa(i)), stomp.SendOpt.Receipt); err != nil {
					t.Fatal(err)
				}
			}
			sub, err := c.Subscribe(dest, mode, stomp.SubscribeOpt.Header("prefetch-count", "10"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				m := receive(t, tg, sub)
				if string(m.Body) != strconv.Itoa(i) {
					t.Fatalf("message %d: got %q", i, m.Body)
				}
				if err := m.Conn.Ack(m); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// sendFrame builds a SEND frame.
func sendFrame(dest, body string, h ...string) *frame.Frame {
	f := frame.New(frame.SEND, append([]string{frame.Destination, dest, frame.ContentType, "text/plain"}, h...)...)
	f.Body = []byte(body)
	return f
}

func subscribeFrame(dest, id, ack string, prefetch int) *frame.Frame {
	return frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, id, frame.Ack, ack,
		"prefetch-count", strconv.Itoa(prefetch), "activemq.prefetchSize", strconv.Itoa(prefetch))
}

// fill sends bodies to dest on a connection of its own, each with a
// receipt.
func fill(t *testing.T, tg Target, dest string, bodies ...string) {
	t.Helper()
	c := Connect(t, tg)
	for i, b := range bodies {
		c.Request(sendFrame(dest, b, "persistent", "true"), "fill-"+strconv.Itoa(i))
	}
	c.Request(frame.New(frame.DISCONNECT), "bye")
}

func bodies(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "message " + strconv.Itoa(i)
	}
	return out
}

func testPipelinedReceipts(t *testing.T, tg Target) {
	dest := Unique("/queue/", "receipts")
	c := Connect(t, tg)
	const n = 200
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := range n {
			f := sendFrame(dest, strconv.Itoa(i), frame.Receipt, "r"+strconv.Itoa(i))
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.timeout))
			if c.w.Write(f) != nil {
				return
			}
		}
	}()
	for i := range n {
		f := c.Expect(frame.RECEIPT)
		if got, want := f.Header.Get(frame.ReceiptId), "r"+strconv.Itoa(i); got != want {
			t.Fatalf("receipt %d: got %q, want %q", i, got, want)
		}
	}
	<-written
	// Everything acknowledged is there, in order.
	got := c.Request(subscribeFrame(dest, "s", "client-individual", 1000), "sub")
	for len(got) < n {
		got = append(got, c.Expect(frame.MESSAGE))
	}
	for i, m := range got {
		if string(m.Body) != strconv.Itoa(i) {
			t.Fatalf("message %d: got %q", i, m.Body)
		}
		c.Write(frame.New(frame.ACK, frame.Id, m.Header.Get(frame.Ack)))
	}
}

// collect reads MESSAGE frames until n arrived.
func collect(t *testing.T, c *RawConn, got []*frame.Frame, n int) []*frame.Frame {
	t.Helper()
	for len(got) < n {
		got = append(got, c.Expect(frame.MESSAGE))
	}
	return got
}

// probe returns the MESSAGE frames that arrive before the broker answers
// a receipt, after letting it settle.
func probe(t *testing.T, tg Target, c *RawConn, id string) []*frame.Frame {
	t.Helper()
	time.Sleep(tg.SettleDelay)
	c.Write(frame.New(frame.BEGIN, frame.Transaction, "probe-"+id))
	return c.Request(frame.New(frame.ABORT, frame.Transaction, "probe-"+id), "probe-"+id)
}

func testAckClientIndividual(t *testing.T, tg Target) {
	dest := Unique("/queue/", "individual")
	fill(t, tg, dest, bodies(3)...)
	c := Connect(t, tg)
	got := collect(t, c, c.Request(subscribeFrame(dest, "s", "client-individual", 10), "sub"), 3)
	// Ack only the middle one; the others come back to the next consumer.
	c.Request(frame.New(frame.ACK, frame.Id, got[1].Header.Get(frame.Ack)), "ack")
	c.nc.Close()

	c2 := Connect(t, tg)
	again := collect(t, c2, c2.Request(subscribeFrame(dest, "s", "client-individual", 10), "sub"), 2)
	if string(again[0].Body) != "message 0" || string(again[1].Body) != "message 2" {
		t.Fatalf("redelivered %q, %q; want message 0, message 2", again[0].Body, again[1].Body)
	}
	for _, m := range again {
		c2.Write(frame.New(frame.ACK, frame.Id, m.Header.Get(frame.Ack)))
	}
	if extra := probe(t, tg, c2, "end"); len(extra) != 0 {
		t.Fatalf("unexpected extra message %q", extra[0].Body)
	}
}

func testAckClientCumulative(t *testing.T, tg Target) {
	dest := Unique("/queue/", "cumulative")
	fill(t, tg, dest, bodies(3)...)
	c := Connect(t, tg)
	got := collect(t, c, c.Request(subscribeFrame(dest, "s", "client", 10), "sub"), 3)
	// Acking the second acks the first too.
	c.Request(frame.New(frame.ACK, frame.Id, got[1].Header.Get(frame.Ack)), "ack")
	c.nc.Close()

	c2 := Connect(t, tg)
	again := collect(t, c2, c2.Request(subscribeFrame(dest, "s", "client", 10), "sub"), 1)
	if string(again[0].Body) != "message 2" {
		t.Fatalf("redelivered %q, want message 2", again[0].Body)
	}
	c2.Write(frame.New(frame.ACK, frame.Id, again[0].Header.Get(frame.Ack)))
	if extra := probe(t, tg, c2, "end"); len(extra) != 0 {
		t.Fatalf("unexpected extra message %q", extra[0].Body)
	}
}

func testNack(t *testing.T, tg Target) {
	dest := Unique("/queue/", "nack")
	fill(t, tg, dest, "poison")
	c := Connect(t, tg)
	m := collect(t, c, c.Request(subscribeFrame(dest, "s", "client-individual", 10), "sub"), 1)[0]
	c.Write(frame.New(frame.NACK, frame.Id, m.Header.Get(frame.Ack)))
	again := c.Expect(frame.MESSAGE)
	if string(again.Body) != "poison" {
		t.Fatalf("after NACK got %q", again.Body)
	}
	if again.Header.Get("redelivered") != "true" {
		t.Errorf("redelivered message lacks redelivered:true: %s", headers(again))
	}
	c.Request(frame.New(frame.ACK, frame.Id, again.Header.Get(frame.Ack)), "ack")
}

func testRedeliveryOnDisconnect(t *testing.T, tg Target) {
	dest := Unique("/queue/", "redeliver")
	fill(t, tg, dest, bodies(3)...)
	c := Connect(t, tg)
	collect(t, c, c.Request(subscribeFrame(dest, "s", "client-individual", 10), "sub"), 3)
	c.nc.Close() // abruptly, nothing acked

	c2 := Connect(t, tg)
	again := collect(t, c2, c2.Request(subscribeFrame(dest, "s", "client-individual", 10), "sub"), 3)
	for i, m := range again {
		if want := "message " + strconv.Itoa(i); string(m.Body) != want {
			t.Errorf("redelivered %d: got %q, want %q", i, m.Body, want)
		}
		if m.Header.Get("redelivered") != "true" {
			t.Errorf("redelivered message lacks redelivered:true: %s", headers(m))
		}
		c2.Write(frame.New(frame.ACK, frame.Id, m.Header.Get(frame.Ack)))
	}
	c2.Request(frame.New(frame.DISCONNECT), "bye")
}

func testPrefetch(t *testing.T, tg Target) {
	dest := Unique("/queue/", "prefetch")
	const window, total = 2, 7
	fill(t, tg, dest, bodies(total)...)
	c := Connect(t, tg)
	unacked := c.Request(subscribeFrame(dest, "s", "client-individual", window), "sub")
	received := len(unacked)
	var order []string
	for len(unacked) > 0 || received < total {
		if len(unacked) > window {
			t.Fatalf("%d unacknowledged messages in flight, prefetch is %d", len(unacked), window)
		}
		if len(unacked) == window || received == total {
			order = append(order, string(unacked[0].Body))
			c.Write(frame.New(frame.ACK, frame.Id, unacked[0].Header.Get(frame.Ack)))
			unacked = unacked[1:]
			if received == total {
				continue
			}
		}
		extra := probe(t, tg, c, strconv.Itoa(received))
		if len(extra) == 0 {
			extra = append(extra, c.Expect(frame.MESSAGE))
		}
		received += len(extra)
		unacked = append(unacked, extra...)
	}
	for i, b := range bodies(total) {
		if order[i] != b {
			t.Fatalf("message %d: got %q, want %q", i, order[i], b)
		}
	}
	c.Request(frame.New(frame.DISCONNECT), "bye")
}

func testCompetingConsumers(t *testing.T, tg Target) {
	dest := Unique("/queue/", "compete")
	const n = 20
	a, b := Connect(t, tg), Connect(t, tg)
	a.Request(subscribeFrame(dest, "a", "client-individual", 5), "sub")
	b.Request(subscribeFrame(dest, "b", "client-individual", 5), "sub")
	fill(t, tg, dest, bodies(n)...)
	got := make(chan string, 2*n)
	ended := make(chan struct{}, 2)
	for _, c := range []*RawConn{a, b} {
		go func() {
			defer func() { ended <- struct{}{} }()
			for {
				f, err := c.TryRead()
				if err != nil || f.Command != frame.MESSAGE {
					return
				}
				got <- string(f.Body)
				if c.w.Write(frame.New(frame.ACK, frame.Id, f.Header.Get(frame.Ack))) != nil {
					return
				}
			}
		}()
	}
	seen := map[string]int{}
wait:
	for range n {
		select {
		case m := <-got:
			seen[m]++
		case <-time.After(tg.timeout()):
			t.Errorf("only %d of %d messages arrived", len(seen), n)
			break wait
		}
	}
	a.nc.Close()
	b.nc.Close()
	<-ended
	<-ended
	close(got)
	for m := range got {
		seen[m]++
	}
	for _, m := range bodies(n) {
		if seen[m] != 1 {
			t.Errorf("%q delivered %d times", m, seen[m])
		}
	}
}

func testTopicFanout(t *testing.T, tg Target) {
	dest := Unique("/topic/", "fanout")
	a, b := Connect(t, tg), Connect(t, tg)
	a.Request(frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, "a"), "sub")
	b.Request(frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, "b"), "sub")
	time.Sleep(tg.SettleDelay)
	fill(t, tg, dest, bodies(3)...)
	for _, c := range []*RawConn{a, b} {
		got := collect(t, c, nil, 3)
		for i, m := range got {
			if want := "message " + strconv.Itoa(i); string(m.Body) != want {
				t.Errorf("topic message %d: got %q, want %q", i, m.Body, want)
			}
		}
	}
}

func testTransactions(t *testing.T, tg Target) {
	dest := Unique("/queue/", "tx")
	c := Connect(t, tg)
	c.Request(subscribeFrame(dest, "s", "auto", 10), "sub")
	c.Write(frame.New(frame.BEGIN, frame.Transaction, "t1"))
	c.Write(sendFrame(dest, "committed", frame.Transaction, "t1"))
	if early := probe(t, tg, c, "t1"); len(early) != 0 {
		t.Fatalf("message delivered before COMMIT: %q", early[0].Body)
	}
	got := collect(t, c, c.Request(frame.New(frame.COMMIT, frame.Transaction, "t1"), "commit"), 1)
	if m := got[0]; string(m.Body) != "committed" {
		t.Fatalf("got %q, want committed", m.Body)
	}
	c.Write(frame.New(frame.BEGIN, frame.Transaction, "t2"))
	c.Write(sendFrame(dest, "aborted", frame.Transaction, "t2"))
	c.Request(frame.New(frame.ABORT, frame.Transaction, "t2"), "abort")
	c.Write(sendFrame(dest, "plain"))
	if m := c.Expect(frame.MESSAGE); string(m.Body) != "plain" {
		t.Fatalf("got %q, want plain (the aborted SEND must vanish)", m.Body)
	}
}

func testDisconnectReceipt(t *testing.T, tg Target) {
	c := Connect(t, tg)
	c.Request(frame.New(frame.DISCONNECT), "bye")
	if f := c.ExpectClosed(); f != nil {
		t.Fatalf("ERROR after DISCONNECT: %s %q", headers(f), f.Body)
	}
}

func testGarbageInput(t *testing.T, tg Target) {
	for name, input := range map[string]string{
		"unknown command":    "HELLO\n\n\x00",
		"header sans colon":  "SEND\ndestination /queue/x\n\nbody\x00",
		"bad content-length": "SEND\ndestination:/queue/x\ncontent-length:lots\n\nbody\x00",
	} {
		t.Run(name, func(t *testing.T) {
			c := Connect(t, tg)
			c.WriteRaw([]byte(input))
			c.ExpectRejected(tg)
		})
	}
	t.Run("before CONNECT", func(t *testing.T) {
		c := Dial(t, tg)
		c.Write(sendFrame("/queue/x", "too early"))
		c.ExpectRejected(tg)
	})
}

func testMissingDestination(t *testing.T, tg Target) {
	c := Connect(t, tg)
	c.Write(frame.New(frame.SEND, frame.Receipt, "r1"))
	f := c.ExpectRejected(tg)
	if f == nil {
		t.Fatal("connection closed without an ERROR frame")
	}
	if f.Header.Get(frame.Message) == "" {
		t.Errorf("ERROR without a message header: %s", headers(f))
	}
}
