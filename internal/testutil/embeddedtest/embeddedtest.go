// Package embeddedtest runs bricks' embedded STOMP broker for the tests of
// other bricks. It is apart from package testutil, which the tests of
// package queue import: the broker imports queue.
package embeddedtest

import (
	"context"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
)

// Start serves the embedded broker configured by o (on a free 127.0.0.1
// port when o.Addr is empty) until the test ends; a failed shutdown or
// serve fails the test then.
func Start(t testing.TB, o embedded.Options) *embedded.Server {
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
			t.Errorf("embedded broker shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("embedded broker: %v", err)
		}
	})
	return srv
}
