package faults

import (
	"context"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
)

// startEmbedded serves the embedded STOMP broker (in memory) on addr until
// the test ends.
func startEmbedded(t testing.TB, addr string) *embedded.Server {
	t.Helper()
	srv, err := embedded.New(embedded.Options{Addr: addr})
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
