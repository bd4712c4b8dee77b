package stomptest

import (
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// The suite against the real brokers (tests/brokers/start.sh): it checks
// the suite itself as much as the brokers, so that a failure against the
// embedded broker means the broker is wrong.

func TestRabbitMQ(t *testing.T) {
	Run(t, Target{Broker: brokertest.RabbitSTOMP(t), SettleDelay: 200 * time.Millisecond}, nil)
}

func TestActiveMQ(t *testing.T) {
	Run(t, Target{Broker: brokertest.ActiveMQSTOMP(t), SettleDelay: 200 * time.Millisecond}, map[string]string{
		"Nack": "ActiveMQ 5.17 does not redeliver a NACKed message to the consumer (its redelivery policy sends it to ActiveMQ.DLQ)",
	})
}
