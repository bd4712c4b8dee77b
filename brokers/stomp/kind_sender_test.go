package stomp_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/bricksmq/bricks/queue"
)

// refusalTree is a transfer whose sender has no `destination`: each message
// goes where its own "destination" header says. The receiver consumes good.
func refusalTree(src, dst, uri, connection, good string) string {
	return fmt.Sprintf(`
name: refusal
strategy: rest_for_one
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
  - name: receiver
    kind: stomp.receiver
    with: {uri: %q, %sdestination: %q, to: writer}
  - name: sender
    kind: stomp.sender
    with: {uri: %q, %swindow: 10}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, window: 10, poll: 20ms}
`, dst, uri, connection, good, uri, connection, src)
}

// checkRefusal fills src with 3 messages for good and 2 bad ones (made by
// bad), runs the tree, and checks that the good ones arrive while the bad
// ones are rejected, so the reader moves them aside with a reason
// containing want.
func checkRefusal(t *testing.T, uri, connection, good string, bad func(*queue.Message), want string) {
	t.Helper()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	q, err := queue.NewDQS(src, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		m := kindtest.Message(i)
		m.Header["destination"] = good
		if i == 1 || i == 3 {
			bad(m)
		}
		if _, err := q.AddMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	kindtest.RunTree(t, refusalTree(src, dst, uri, connection, good))
	kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, src) == 0 })
	kindtest.WaitUntil(t, "good messages arrived", func() bool { return kindtest.Count(t, dst) >= 3 })
	got := kindtest.Read(t, dst)
	for _, i := range []int{0, 2, 4} {
		// A refusal closes the connection: a receipt lost with it makes the
		// Sender send the message again (at-least-once).
		if len(got[i]) == 0 {
			t.Errorf("good message %d lost", i)
		}
	}
	for _, i := range []int{1, 3} {
		if len(got[i]) != 0 {
			t.Errorf("bad message %d arrived", i)
		}
	}
	reasons := kindtest.Quarantined(t, src)
	if len(reasons) != 2 {
		t.Fatalf("%d messages moved aside, want the 2 bad ones: %q", len(reasons), reasons)
	}
	for _, r := range reasons {
		if !strings.Contains(r, want) {
			t.Errorf("reason %q does not say %q", r, want)
		}
	}
}

// TestKindSenderRejectsUnsendable: a message with no destination at all is
// rejected, and the reader moves it aside; the others go through.
func TestKindSenderRejectsUnsendable(t *testing.T) {
	kindtest.CheckLeaks(t)
	srv := startBroker(t, embedded.Options{})
	checkRefusal(t, "stomp://"+srv.Addr().String(), "", "/queue/kindunsendable",
		func(m *queue.Message) { delete(m.Header, "destination") }, "no destination")
}

// TestKindSenderBrokerRefusal: RabbitMQ refuses a SEND to an exchange that
// does not exist (an ERROR naming no receipt, and the connection closes);
// the Sender finds out which message it was, the kind rejects that message
// and the reader moves it aside; the other messages go through.
func TestKindSenderBrokerRefusal(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	kindtest.CheckLeaks(t)
	conn := connectionYAML(b)
	missing := stomptest.Unique("/exchange/", "missing")
	checkRefusal(t, b.URI, conn, stomptest.Unique("/queue/", "kindrefusal"),
		func(m *queue.Message) { m.Header["destination"] = missing }, "not_found")
}

// TestKindSpecErrors: bad `with:` blocks are refused when the tree is
// loaded, with the place and the field named.
func TestKindSpecErrors(t *testing.T) {
	for _, tc := range []struct{ with, want string }{
		{`{uri: "stomp://127.0.0.1:61613", window: 0}`, "window: must be at least 1"},
		{`{uri: "http://127.0.0.1:61613"}`, "uri:"},
		{`{uri: "stomp://127.0.0.1:61613", auth: {scheme: x509}}`, "x509"},
		{`{uri: "stomp://127.0.0.1:61613", auth: {scheme: kerberos, name: a}}`, "kerberos"},
		{`{uri: "stomp://127.0.0.1:61613", auth: {name: a, pass_file: /nonexistent/pass}}`, "cannot read secret"},
		{`{uri: "stomp://127.0.0.1:61613", tls: {insecure: maybe}}`, "insecure"},
		{`{destination: /queue/x}`, "uri"},
	} {
		kindtest.ConfigError(t, "stomp.sender", tc.with, tc.want)
	}
	for _, tc := range []struct{ with, want string }{
		{`{uri: "stomp://127.0.0.1:61613", to: w}`, "destination"},
		{`{uri: "stomp://127.0.0.1:61613", destination: /queue/x}`, "to"},
		{`{uri: "stomp://127.0.0.1:61613", destination: /queue/x, to: w, ack: sometimes}`, "ack"},
		{`{uri: "stomp://127.0.0.1:61613", destination: /queue/x, to: w, prefetch: 0}`, "prefetch"},
		{`{uri: "stomp://127.0.0.1:61613", destination: /queue/x, to: nobody}`, "nobody"},
	} {
		kindtest.ConfigError(t, "stomp.receiver", tc.with, tc.want)
	}
}
