package stomp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/testutil"
	"github.com/bricksmq/bricks/internal/testutil/embeddedtest"
	"github.com/bricksmq/bricks/queue"
)

// Helpers of the actor-kind tests (kind_*_test.go) that are about STOMP: an
// embedded broker, and putting messages on a broker. Those the amqp kinds' tests share (running a tree, the messages
// a transfer must carry unchanged, queue checks, a proxy that cuts
// connections) are in internal/kindtest.

// connectionYAML renders the credentials and virtual host of a real broker
// as connection fields, in YAML flow style.
func connectionYAML(b brokertest.Broker) string {
	return fmt.Sprintf("auth: {name: %q, pass: %q}, virtual_host: %q, ", b.Login, b.Passcode, b.VirtualHost)
}

// startBroker runs an embedded broker on a free 127.0.0.1 port until the
// test ends.
func startBroker(t testing.TB, o embedded.Options) *embedded.Server {
	t.Helper()
	return embeddedtest.Start(t, o)
}

// sendDirect puts messages on a broker destination with the library's
// Sender, waiting for every receipt.
func sendDirect(t testing.TB, uri, dest string, opts stomp.Options, msgs ...*queue.Message) {
	t.Helper()
	u, err := stomp.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = kindtest.Log()
	s, err := stomp.NewSender(t.Context(), u, opts, stomp.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for i, m := range msgs {
		if err := s.Send(t.Context(), strconv.Itoa(i), dest, m); err != nil {
			t.Fatal(err)
		}
	}
	for range msgs {
		if r := <-s.Results(); r.Err != nil {
			t.Fatalf("message %s refused: %v", r.ID, r.Err)
		}
	}
}

// checkWrongPassword starts tree, whose stage logs in with the password
// "wrong-secret", and checks that the start fails with a *stomp.LoginError
// that says where (naming the stage) and why, without the password, after
// one connection attempt: a refused login is not retried.
func checkWrongPassword(t *testing.T, tree, where string) {
	t.Helper()
	var logs testutil.LogBuffer
	err := startTree(t, t.Context(), tree, slog.New(slog.NewTextHandler(&logs, nil)))
	var le *stomp.LoginError
	if !errors.As(err, &le) {
		t.Fatalf("want a *stomp.LoginError, got %v", err)
	}
	for _, want := range []string{where, "login refused", "refused CONNECT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error %q shows the password", err)
	}
	if n := strings.Count(logs.String(), "stomp connect failed"); n != 1 {
		t.Errorf("%d connection attempts logged, want 1:\n%s", n, logs.String())
	}
}
