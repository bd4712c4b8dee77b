package embedded

import (
	"context"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/stomptest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs a server on a free port until the test ends.
func start(tb testing.TB, opts Options) (*Server, stomptest.Target) {
	tb.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	srv, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background()) }()
	tb.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	tg := stomptest.Target{Broker: brokertest.Broker{Name: "embedded", Addr: srv.Addr().String()}}
	for login, pass := range opts.Users {
		tg.Login, tg.Passcode = login, pass
		break
	}
	return srv, tg
}
