package amqp

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
)

// python returns Debian's interpreter when it has the proton module (the
// python3-qpid-proton package); missing, the test fails under CI and is
// skipped otherwise.
func python(t *testing.T) string {
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import proton").CombinedOutput(); err != nil {
		msg := "python3-qpid-proton not available (" + err.Error() + ": " + string(out) + "): apt-get install python3-qpid-proton"
		if brokertest.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return py
}

// TestInteropProtonSends receives what Qpid Proton's Python binding sends:
// a text body with properties, a binary body, and a map body (unsupported,
// rejected).
func TestInteropProtonSends(t *testing.T) {
	py := python(t)
	bt := brokertest.QpidAMQP(t)
	ctx := testCtx(t)
	q := testBrokers[1].queue(t)
	c := dial(t, bt)
	r, err := c.NewReceiver(ctx, q, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if out, err := exec.CommandContext(ctx, py, "testdata/interop.py", bt.Addr, q, "send").CombinedOutput(); err != nil {
		t.Fatalf("proton sender: %v: %s", err, out)
	}
	want := []*queue.Message{
		queue.NewText("héllo", map[string]string{"message-id": "m-1", "subject": "subj", "content-type": "text/plain",
			"durable": "true", "priority": "7", "k": "v", "n": "42"}),
		queue.NewBinary([]byte{0, 1, 0xff}, nil),
	}
	for i, w := range want {
		d := recvOne(t, r)
		if d.Err != nil || !w.Equal(d.Message) || !d.Message.Equal(w) {
			t.Errorf("message %d: got %v (err %v), want %v", i, d.Message, d.Err, w)
		}
		if err := d.Accept(ctx); err != nil {
			t.Fatal(err)
		}
	}
	d := recvOne(t, r)
	if d.Err == nil {
		t.Fatalf("map body: got %v, want an UnsupportedBodyError", d.Message)
	}
	if id := d.Raw.Properties.MessageID; id != uint64(3) {
		t.Errorf("raw message-id %#v", id)
	}
	if err := d.Reject(ctx, "amqp:decode-error", d.Err.Error()); err != nil {
		t.Fatal(err)
	}
}

// TestInteropProtonReceives checks Qpid Proton's Python binding reads what
// Sender sends: a str for text, bytes for binary, properties and header.
func TestInteropProtonReceives(t *testing.T) {
	py := python(t)
	bt := brokertest.QpidAMQP(t)
	ctx := testCtx(t)
	q := testBrokers[1].queue(t)
	c := dial(t, bt)
	// Proton runs meanwhile; it waits (20 s at most) for both messages.
	cmd := exec.CommandContext(ctx, py, "testdata/interop.py", bt.Addr, q, "2")
	done := make(chan struct{})
	var out []byte
	var cerr error
	go func() { out, cerr = cmd.Output(); close(done) }()
	s, err := c.NewSender(ctx, q, SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, m := range []*queue.Message{
		queue.NewText("héllo", map[string]string{"message-id": "id-1", "subject": "s", "durable": "true", "priority": "6", "k": "v"}),
		queue.NewBinary([]byte{0, 1, 0xff}, nil),
	} {
		if err := s.Send(ctx, strconv.Itoa(i), m); err != nil {
			t.Fatal(err)
		}
		if c := confirmOne(t, s); c.Err != nil {
			t.Fatal(c.Err)
		}
	}
	<-done
	if cerr != nil {
		t.Fatalf("proton receiver: %v: %s", cerr, out)
	}
	var got []struct {
		Type, ID, Subject string
		Body              any
		Durable           bool
		Priority          int
		Properties        map[string]any
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != 2 {
		t.Fatalf("proton output %s: %v", out, err)
	}
	if g := got[0]; g.Type != "str" || g.Body != "héllo" || g.ID != "id-1" || g.Subject != "s" || !g.Durable || g.Priority != 6 || g.Properties["k"] != "v" {
		t.Errorf("text message as seen by Proton: %+v", g)
	}
	if g := got[1]; g.Type != "bytes" || g.Body != "0001ff" {
		t.Errorf("binary message as seen by Proton: %+v", g)
	}
}
