package apps

// Every kind of the project registers itself from its package's init: these
// imports make them all available to a program that imports apps (the bricks
// command does).
import (
	_ "github.com/bricksmq/bricks/brokers/amqp"
	_ "github.com/bricksmq/bricks/brokers/embedded"
	_ "github.com/bricksmq/bricks/brokers/stomp"
	_ "github.com/bricksmq/bricks/brokers/udp"
	_ "github.com/bricksmq/bricks/command"
	_ "github.com/bricksmq/bricks/queue"
)
