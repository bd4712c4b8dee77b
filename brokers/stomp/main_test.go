package stomp

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that every goroutine of connections, senders and
// receivers has ended when the tests are over.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// quiet is a logger for tests; STOMP_TEST_LOG=1 shows the library's logs.
func quiet() *slog.Logger {
	if os.Getenv("STOMP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
