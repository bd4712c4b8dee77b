package stomp_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/queue"
)

func ExampleParseURI() {
	u, err := stomp.ParseURI("failover:(stomp://a:61613,stomp+ssl://b:61612)?randomize=true&maxReconnectDelay=5000")
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range u.Addresses {
		fmt.Println(a.HostPort(), "tls:", a.TLS)
	}
	fmt.Println("randomize:", u.Randomize, "max delay:", u.MaxDelay)
	// Output:
	// a:61613 tls: false
	// b:61612 tls: true
	// randomize: true max delay: 5s
}

// Send messages with a window of 100 outstanding receipts; each Result says
// the broker has the message (or refused it).
func ExampleNewSender() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, _ := stomp.ParseURI("stomp://127.0.0.1:61613")
	s, err := stomp.NewSender(ctx, u, stomp.Options{Auth: stomp.Auth{Scheme: "plain", Name: "guest", Pass: "guest"}},
		stomp.SenderOptions{Window: 100})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for i := range 10 {
			m := &queue.Message{Header: map[string]string{"n": fmt.Sprint(i)}, Body: []byte("hello"), Text: true}
			if err := s.Send(ctx, fmt.Sprint(i), "/queue/example", m); err != nil {
				log.Print(err)
				return
			}
		}
	}()
	for range 10 {
		r := <-s.Results()
		if r.Err != nil {
			log.Printf("message %s refused: %v", r.ID, r.Err)
			continue
		}
		// Now, and only now, remove message r.ID from its source.
	}
	if err := s.Close(ctx); err != nil {
		log.Print(err)
	}
}

// Receive with individual acknowledgements, acking each message once it is
// stored downstream.
func ExampleNewReceiver() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, _ := stomp.ParseURI("stomp://127.0.0.1:61613")
	r, err := stomp.NewReceiver(ctx, u, stomp.Options{Auth: stomp.Auth{Scheme: "plain", Name: "guest", Pass: "guest"}},
		stomp.SubscribeOptions{Destination: "/queue/example", Ack: stomp.AckClientIndividual, Prefetch: 100})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for d := range r.Deliveries() {
		fmt.Printf("%s\n", d.Message.Body) // store it somewhere durable first...
		if err := d.Ack(); err != nil {
			log.Print(err) // connection lost: the broker will redeliver
		}
	}
}
