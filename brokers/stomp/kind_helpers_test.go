package stomp_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
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
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	srv, err := embedded.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("broker shutdown: %v", err)
		}
		<-served
	})
	return srv
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
