package embedded_test

import (
	"context"
	"fmt"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/go-stomp/stomp/v3"
)

// A broker for a test or a quickstart: listen on a free port, serve in the
// background, talk to it with any STOMP client, shut it down.
func ExampleServer() {
	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	if err := srv.Listen(); err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background()) }()

	conn, err := stomp.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	sub, err := conn.Subscribe("/queue/greetings", stomp.AckClientIndividual)
	if err != nil {
		panic(err)
	}
	// With a receipt, Send returns once the broker has stored the message.
	if err := conn.Send("/queue/greetings", "text/plain", []byte("hello"), stomp.SendOpt.Receipt); err != nil {
		panic(err)
	}
	msg := <-sub.C
	fmt.Println(string(msg.Body), msg.Header.Get("destination"))
	if err := conn.Ack(msg); err != nil {
		panic(err)
	}
	if err := conn.Disconnect(); err != nil {
		panic(err)
	}

	if err := srv.Shutdown(context.Background()); err != nil {
		panic(err)
	}
	fmt.Println("serve:", <-served)
	// Output:
	// hello /queue/greetings
	// serve: <nil>
}
