package faults

import (
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/testutil/embeddedtest"
)

// startEmbedded serves the embedded STOMP broker (in memory) on addr until
// the test ends.
func startEmbedded(t testing.TB, addr string) *embedded.Server {
	t.Helper()
	return embeddedtest.Start(t, embedded.Options{Addr: addr})
}
