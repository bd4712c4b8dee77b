package amqp_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"slices"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/queue"
)

// ToAMQP shows where each header goes: well-known names to the AMQP
// header and properties sections, the rest to application-properties.
func ExampleToAMQP() {
	m := queue.NewText("hello", map[string]string{
		"durable": "true", "priority": "7", "subject": "greeting", "message-id": "m-1", "origin": "example",
	})
	am, err := amqp.ToAMQP(m)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("body: amqp-value %q\n", am.Value)
	fmt.Printf("header: durable=%v priority=%d\n", am.Header.Durable, am.Header.Priority)
	fmt.Printf("properties: message-id=%v subject=%s\n", am.Properties.MessageID, *am.Properties.Subject)
	fmt.Printf("application-properties: %v\n", slices.Sorted(maps.Keys(am.ApplicationProperties)))

	back, err := amqp.FromAMQP(am)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("round trip equal:", m.Equal(back) && back.Equal(m))
	// Output:
	// body: amqp-value "hello"
	// header: durable=true priority=7
	// properties: message-id=m-1 subject=greeting
	// application-properties: [origin]
	// round trip equal: true
}

// A reliable transfer from one queue to another: each message is accepted
// on the source only after the destination confirmed it. (Needs RabbitMQ
// with its AMQP 1.0 plugin and both queues declared, so it is not run.)
func Example_transfer() {
	ctx := context.Background()
	c, err := amqp.DialURI(ctx, "amqp://127.0.0.1:5672", amqp.Options{
		SASL: amqp.SASL{Mechanism: amqp.SASLPlain, Username: "guest", Password: "guest"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	r, err := c.NewReceiver(ctx, "/amq/queue/in", amqp.ReceiverOptions{Credit: 100})
	if err != nil {
		log.Fatal(err)
	}
	s, err := c.NewSender(ctx, "/amq/queue/out", amqp.SenderOptions{Window: 100, Durable: true})
	if err != nil {
		log.Fatal(err)
	}
	inFlight := map[string]*amqp.Delivery{}
	var n int
	for {
		select {
		case d, ok := <-r.Deliveries():
			if !ok {
				log.Fatal(r.Err())
			}
			if d.Err != nil { // a body bricks cannot carry
				_ = d.Reject(ctx, "amqp:decode-error", d.Err.Error())
				continue
			}
			n++
			id := fmt.Sprint(n)
			inFlight[id] = d
			if err := s.Send(ctx, id, d.Message); err != nil {
				_ = d.Release(ctx)
				delete(inFlight, id)
			}
		case conf := <-s.Confirmations():
			d := inFlight[conf.ID]
			delete(inFlight, conf.ID)
			if conf.Err != nil {
				_ = d.Release(ctx) // the broker will deliver it again
				continue
			}
			_ = d.Accept(ctx)
		}
	}
}
