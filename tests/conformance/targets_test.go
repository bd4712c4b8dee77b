package conformance

import (
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
)

// rejectOutcome is what a broker does with a message its consumer NACKed
// (STOMP) or settled as rejected (AMQP 1.0).
type rejectOutcome string

const (
	// redelivered: the broker gives the message to a consumer again.
	redelivered rejectOutcome = "redelivered"
	// deadLettered: the broker moves it to a dead-letter queue.
	deadLettered rejectOutcome = "dead-lettered"
	// dropped: the broker discards it.
	dropped rejectOutcome = "dropped"
)

// capabilities is how a target legitimately differs from the others; the
// cases assert exactly this behaviour.
type capabilities struct {
	// onReject is the fate of a rejected message, and rejectWhy the reason.
	onReject  rejectOutcome
	rejectWhy string
	// deadLetter is the destination a dead-lettered message lands on
	// (shared by every queue: the case finds its message with a selector).
	deadLetter string
	// redeliversUnacked says whether the broker gives back what a consumer
	// received and never settled when the consumer goes away; noRedelivery
	// says why not.
	redeliversUnacked bool
	noRedelivery      string
}

// target is one broker endpoint of the suite (kindtest.Targets) with what
// it does where brokers legitimately differ.
type target struct {
	kindtest.Target
	caps capabilities
}

var targets = []target{
	{
		Target: kindtest.RabbitSTOMPTarget,
		caps: capabilities{
			onReject:          redelivered,
			rejectWhy:         "RabbitMQ requeues a NACKed message (NACK without requeue:false) and delivers it again",
			redeliversUnacked: true,
		},
	},
	{
		Target: kindtest.ActiveMQSTOMPTarget,
		caps: capabilities{
			onReject:          deadLettered,
			rejectWhy:         "ActiveMQ 5.17 treats a STOMP NACK as a poison ack: no redelivery, the message moves to ActiveMQ.DLQ",
			deadLetter:        "/queue/ActiveMQ.DLQ",
			redeliversUnacked: true,
		},
	},
	{
		Target: kindtest.EmbeddedTarget,
		caps: capabilities{
			onReject:          redelivered,
			rejectWhy:         "the embedded broker requeues a NACKed message and delivers it again, marked redelivered",
			redeliversUnacked: true,
		},
	},
	{
		Target: kindtest.RabbitAMQPTarget,
		caps: capabilities{
			onReject: dropped,
			rejectWhy: "amqp.receiver settles a refused message as rejected (never modified: RabbitMQ 3 refuses that outcome); " +
				"RabbitMQ discards a rejected message when its queue has no dead-letter exchange",
			redeliversUnacked: true,
		},
	},
	{
		Target: kindtest.QpidAMQPTarget,
		caps: capabilities{
			onReject:     dropped,
			rejectWhy:    "Qpid Proton's example broker forgets a message once it sent it, whatever the outcome",
			noRedelivery: "Qpid Proton's example broker (broker.py) forgets a message once it sent it: what a crashed consumer held is gone",
		},
	},
}

// queueName is a queue name unique to the test and the run.
func queueName(t testing.TB) string { return kindtest.QueueName(t, "bricks-conf") }
