package apps

import (
	"log/slog"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// protoactor's dead-letter throttle sleeps one period in a goroutine.
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewThrottleWithLogger.func1"),
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewThrottle.func1"),
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"),
	)
}

// testLogger discards logs unless BRICKS_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// forgetStatistics drops the totals kept for these stats nodes, so a test
// run twice (-count) counts from zero.
func forgetStatistics(paths ...string) {
	statsMu.Lock()
	defer statsMu.Unlock()
	for _, p := range paths {
		delete(statsReg, p)
	}
}
