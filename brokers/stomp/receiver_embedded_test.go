package stomp_test

import (
	"context"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// TestReceiverMessagesBeforeReceipt: the embedded broker, like any STOMP
// 1.2 broker may, sends the queued MESSAGE frames before the RECEIPT of the
// SUBSCRIBE. With far more messages queued than Deliveries holds, the
// connection's reader must not block handing them over while the receipt
// wait holds up NewReceiver (which used to deadlock: nobody reads Deliveries
// before NewReceiver returns, and the reader never reached the RECEIPT).
// Every ack mode must receive every message.
func TestReceiverMessagesBeforeReceipt(t *testing.T) {
	const n = 300
	for _, tc := range []struct {
		ack      stomp.AckMode
		prefetch int
	}{{stomp.AckAuto, 0}, {stomp.AckAuto, 1}, {stomp.AckClientIndividual, 2}, {stomp.AckClient, 1}} {
		t.Run(string(tc.ack), func(t *testing.T) {
			srv := startBroker(t, embedded.Options{Prefetch: n})
			uri := "stomp://" + srv.Addr().String()
			dest := "/queue/before-receipt"
			msgs := numbered(n)
			for i := 0; i < n; i += 100 { // sendDirect reads its results at the end
				sendDirect(t, uri, dest, stomp.Options{}, msgs[i:i+100]...)
			}
			u, err := stomp.ParseURI(uri)
			if err != nil {
				t.Fatal(err)
			}
			// The bound only turns a regression into a failure instead of a
			// hung test; nothing here is timed.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			r, err := stomp.NewReceiver(ctx, u, stomp.Options{Logger: kindtest.Log()},
				stomp.SubscribeOptions{Destination: dest, Ack: tc.ack, Prefetch: tc.prefetch})
			if err != nil {
				t.Fatalf("NewReceiver: %v", err)
			}
			defer r.Close()
			for i := range n {
				select {
				case d, ok := <-r.Deliveries():
					if !ok {
						t.Fatalf("receiver stopped after %d messages: %v", i, r.Err())
					}
					if got, want := d.Message.Header["seq"], msgs[i].Header["seq"]; got != want {
						t.Fatalf("message %d has seq %s, want %s (order kept)", i, got, want)
					}
					if err := d.Ack(); err != nil {
						t.Fatal(err)
					}
				case <-ctx.Done():
					t.Fatalf("only %d of %d messages received", i, n)
				}
			}
			kindtest.WaitUntil(t, "the broker emptied the queue", func() bool { return srv.QueueDepth(dest) == 0 })
		})
	}
}
