package e2e

import (
	"testing"

	"go.uber.org/goleak"

	_ "github.com/bricksmq/bricks/apps" // every actor kind and `app: transfer`
	"github.com/bricksmq/bricks/internal/brokertest"
)

// TestMain fails the run if a goroutine outlives the tests and deletes the
// RabbitMQ queues the tests declared.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(exitHook{m})
}

type exitHook struct{ m *testing.M }

func (h exitHook) Run() int {
	code := h.m.Run()
	brokertest.DeleteRabbitQueues()
	return code
}
