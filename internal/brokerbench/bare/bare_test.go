package bare_test

import (
	"context"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/brokertest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startEmbedded(t *testing.T) *embedded.Server {
	t.Helper()
	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		<-done
	})
	return srv
}

// TestSTOMPLoops moves messages through the embedded broker with both bare
// STOMP clients and checks the broker's queue depth after each step.
func TestSTOMPLoops(t *testing.T) {
	srv := startEmbedded(t)
	addr := srv.Addr().String()
	body := make([]byte, 1024)
	const dest = "/queue/bare"

	c, err := bare.DialSTOMP(context.Background(), addr, "", "", "/")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send(dest, 250, 10, body); err != nil {
		t.Fatal(err)
	}
	if d := srv.QueueDepth(dest); d != 250 {
		t.Fatalf("depth %d after sending 250", d)
	}
	gc, err := bare.DialGoStomp(addr, "", "", "/", 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := bare.GoStompSend(gc, dest, 50, body); err != nil {
		t.Fatal(err)
	}
	if err := bare.GoStompConsume(gc, dest, 150, 100); err != nil {
		t.Fatal(err)
	}
	if err := gc.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if err := c.Consume(dest, 150, 100, 7, len(body)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitDepth(t, srv, dest, 0)
}

// TestSTOMPErrors: a wrong body size and a refused login are errors.
func TestSTOMPErrors(t *testing.T) {
	srv := startEmbedded(t)
	c, err := bare.DialSTOMP(context.Background(), srv.Addr().String(), "", "", "/")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send("/queue/sizes", 1, 1, []byte("short")); err != nil {
		t.Fatal(err)
	}
	if err := c.Consume("/queue/sizes", 1, 1, 1, 1024); err == nil {
		t.Error("a 5-byte body passed for a 1024-byte one")
	}

	locked, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0", Users: map[string]string{"u": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := locked.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- locked.Serve(context.Background()) }()
	defer func() { locked.Shutdown(context.Background()); <-done }()
	if _, err := bare.DialSTOMP(context.Background(), locked.Addr().String(), "u", "wrong", "/"); err == nil {
		t.Error("wrong passcode accepted")
	}
}

func waitDepth(t *testing.T, srv *embedded.Server, dest string, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.QueueDepth(dest) != want {
		if time.Now().After(deadline) {
			t.Fatalf("depth %d, want %d", srv.QueueDepth(dest), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAMQPLoops sends and consumes with the bare go-amqp loops on Qpid's
// example broker (a fresh queue name, which Qpid creates on demand).
func TestAMQPLoops(t *testing.T) {
	br := brokertest.QpidAMQP(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := goamqp.Dial(ctx, br.URI, &goamqp.ConnOptions{SASLType: goamqp.SASLTypeAnonymous()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := "bricks-bare-test-" + time.Now().Format("150405.000000")
	s, err := sess.NewSender(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bare.AMQPSend(ctx, s, 300, 50, make([]byte, 1024), true); err != nil {
		t.Fatal(err)
	}
	r, err := sess.NewReceiver(ctx, q, &goamqp.ReceiverOptions{Credit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := bare.AMQPConsume(ctx, r, 300, 40); err != nil {
		t.Fatal(err)
	}
	// Nothing is left: one more receive finds no message.
	if err := r.IssueCredit(1); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer rcancel()
	if m, err := r.Receive(rctx, nil); err == nil {
		t.Errorf("a message left after consuming all: %v", m)
	}
}
