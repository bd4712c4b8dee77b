package amqp_test

import (
	"fmt"

	_ "github.com/bricksmq/bricks/brokers/amqp" // registers amqp.sender and amqp.receiver
	"github.com/bricksmq/bricks/supervision"
)

// A transfer through an AMQP 1.0 broker, as a supervision tree: queue.reader
// delivers the elements of a directory queue to amqp.sender, which sends
// them to RabbitMQ; amqp.receiver consumes them and delivers them to
// queue.writer. An element leaves the source queue only once the broker
// accepted it, a broker message is accepted only once stored. Loading the
// tree checks every `with:` field (errors name file:line:col and field);
// supervision.Start would then connect.
func Example_actorKinds() {
	tree, err := supervision.LoadBytes("transfer.yaml", []byte(`
name: transfer
strategy: rest_for_one      # a failed stage restarts with the stages feeding it
children:
  - name: store
    kind: queue.writer
    with: {path: /var/spool/bricks/incoming}
  - name: consume
    kind: amqp.receiver
    with:
      uri: amqp://127.0.0.1:5672
      auth: {scheme: plain, name: guest, pass: guest}
      destination: /amq/queue/orders
      to: store
      prefetch: 500
  - name: send
    kind: amqp.sender
    with:
      uri: failover:(amqp://127.0.0.1:5672,amqp://127.0.0.1:5673)?maxReconnectAttempts=3
      auth: {scheme: plain, name: guest, pass: guest}
      destination: /amq/queue/orders
      window: 200
  - name: read
    kind: queue.reader
    with: {path: /var/spool/bricks/outgoing, to: send}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range tree.Root.Children {
		fmt.Printf("%s: %s\n", n.Name, n.Kind)
	}
	send := tree.Root.Children[2].With
	fmt.Println("window", send.Int("window"), "durable", send.Bool("durable"))
	// Output:
	// store: queue.writer
	// consume: amqp.receiver
	// send: amqp.sender
	// read: queue.reader
	// window 200 durable true
}
