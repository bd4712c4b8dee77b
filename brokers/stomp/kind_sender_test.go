package stomp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/bricksmq/bricks/internal/testutil"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// refusalTree is a transfer whose sender has no `destination`: each message
// goes where its own "destination" header says. The receiver consumes good.
// Failed stages are restarted with a backoff, many times if need be.
func refusalTree(src, dst, uri, connection, good string) string {
	return fmt.Sprintf(`
name: refusal
strategy: rest_for_one
intensity: 1000
period: 1m
backoff: {min: 50ms, max: 1s}
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

// fillRefusal fills a new queue with 5 messages for good, those for which
// isBad holds changed by bad; it returns the source and destination queues.
func fillRefusal(t *testing.T, good string, isBad func(i int) bool, bad func(*queue.Message)) (src, dst string) {
	t.Helper()
	dir := t.TempDir()
	src, dst = filepath.Join(dir, "in"), filepath.Join(dir, "out")
	q, err := queue.NewDQS(src, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		m := kindtest.Message(i)
		m.Header["destination"] = good
		if isBad(i) {
			bad(m)
		}
		if _, err := q.AddMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	return src, dst
}

// checkRefusal fills src with 3 messages for good and 2 bad ones (made by
// bad), runs the tree, and checks that the good ones arrive while the bad
// ones are rejected, so the reader moves them aside with a reason
// containing want.
func checkRefusal(t *testing.T, uri, connection, good string, bad func(*queue.Message), want string) {
	t.Helper()
	src, dst := fillRefusal(t, good, func(i int) bool { return i == 1 || i == 3 }, bad)
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

// TestKindSenderDestinationRefused: every message goes to an exchange
// RabbitMQ does not have. That is the destination's fault, not the
// messages': the sender rejects nothing and fails, naming the broker, the
// destination and RabbitMQ's not_found, and every element stays in the
// source queue (none moved aside) for when the exchange exists.
func TestKindSenderDestinationRefused(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	kindtest.CheckLeaks(t)
	missing := stomptest.Unique("/exchange/", "missing") + "/k"
	src, dst := fillRefusal(t, stomptest.Unique("/queue/", "kinddestrefused"),
		func(int) bool { return true }, func(m *queue.Message) { m.Header["destination"] = missing })
	_, ev := kindtest.RunTree(t, refusalTree(src, dst, b.URI, connectionYAML(b), stomptest.Unique("/queue/", "kinddestrefused")))
	kindtest.WaitUntil(t, "the sender failed twice", func() bool { return ev.Failed("sender") >= 2 })
	for _, err := range ev.Reasons("sender") {
		var de *stomp.DestinationError
		if !errors.As(err, &de) {
			t.Errorf("sender failed with %v, want a *stomp.DestinationError", err)
			continue
		}
		for _, want := range []string{b.URI, missing, "not_found"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	}
	if q := kindtest.Quarantined(t, src); len(q) != 0 {
		t.Errorf("%d elements moved aside, want none: %q", len(q), q)
	}
	if n := kindtest.Count(t, src); n != 5 {
		t.Errorf("%d elements left in the source queue, want all 5", n)
	}
}

// startTree loads and starts the tree yaml on its own actor system with
// log and returns Start's error; a tree that did start is stopped and the
// test fails.
func startTree(t *testing.T, ctx context.Context, yaml string, log *slog.Logger) error {
	t.Helper()
	tree, err := supervision.LoadBytes(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	defer sys.Shutdown()
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log), supervision.WithActorSystem(sys))
	if err == nil {
		t.Errorf("the tree started")
		_ = run.Stop(context.Background())
	}
	return err
}

// senderTree is a tree of one stomp.sender with the given `with:` fields.
func senderTree(with string) string {
	return fmt.Sprintf("name: lone\nchildren:\n  - name: sender\n    kind: stomp.sender\n    with: {%s}\n", with)
}

// TestKindSenderWrongPassword: RabbitMQ refuses the login. The sender does
// not retry it inside the library (for ever, by default): after one
// connection it fails to its supervisor (here the start fails) with an
// error naming the broker and saying the login was refused, without the
// password.
func TestKindSenderWrongPassword(t *testing.T) {
	b := brokertest.RabbitSTOMP(t)
	kindtest.CheckLeaks(t)
	checkWrongPassword(t, senderTree(fmt.Sprintf("uri: %q, auth: {name: %q, pass: wrong-secret}, virtual_host: %q",
		b.URI, b.Login, b.VirtualHost)), "stomp sender "+b.URI)
}

// TestKindSenderBrokerDownAtStart: nothing listens at the sender's broker.
// With maxReconnectAttempts, the start fails with an error naming the URI
// and the last dial error. Without (unlimited, the default), the start
// waits; when it is given up, the sender says which broker it could not
// reach and why.
func TestKindSenderBrokerDownAtStart(t *testing.T) {
	kindtest.CheckLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	uri := "stomp://" + addr
	t.Run("bounded", func(t *testing.T) {
		err := startTree(t, t.Context(), senderTree(fmt.Sprintf("uri: %q",
			"failover:("+uri+")?maxReconnectAttempts=2&initialReconnectDelay=1")), kindtest.Log())
		var se *supervision.StartError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "stomp sender "+uri) ||
			!strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("want a start error naming %s and the dial error, got %v", uri, err)
		}
	})
	t.Run("unbounded", func(t *testing.T) {
		var logs testutil.LogBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() {
			// Give up the start once the sender has tried twice.
			for strings.Count(logs.String(), "stomp connect failed") < 2 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
		if err := startTree(t, ctx, senderTree(fmt.Sprintf("uri: %q", uri)), log); err == nil {
			return
		}
		var line string
		for l := range strings.Lines(logs.String()) {
			if strings.Contains(l, "stomp sender stopped before it could connect") {
				line = l
			}
		}
		if !strings.Contains(line, "stomp sender "+uri) || !strings.Contains(line, "connection refused") {
			t.Errorf("want a log line naming %s and the last dial error, got %q in:\n%s", uri, line, logs.String())
		}
	})
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
