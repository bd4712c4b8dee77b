package stomp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
	gostomp "github.com/go-stomp/stomp/v3"
)

// Benchmarks against the real brokers, our pipeline next to a bare go-stomp
// loop in the same run. Each reports msg/s; 1 KiB persistent messages.
//
//	go test -run '^$' -bench . -benchtime 2000x ./brokers/stomp/

var benchBody = make([]byte, 1024)

func benchBrokers(b *testing.B, f func(b *testing.B, br brokertest.Broker)) {
	for _, br := range brokertest.STOMPBrokers(b) {
		b.Run(map[string]string{"RabbitMQ STOMP": "rabbitmq", "ActiveMQ STOMP": "activemq"}[br.Name], func(b *testing.B) { f(b, br) })
	}
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
}

func BenchmarkSend(b *testing.B) {
	benchBrokers(b, func(b *testing.B, br brokertest.Broker) {
		for _, w := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("window=%d", w), func(b *testing.B) {
				ctx := context.Background()
				dest := testQueue("bench-send")
				s, err := NewSender(ctx, brokerURI(b, br), brokerOpts(br), SenderOptions{Window: w})
				if err != nil {
					b.Fatal(err)
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					for range b.N {
						if r := <-s.Results(); r.Err != nil {
							b.Error(r.Err)
						}
					}
				}()
				m := &queue.Message{Body: benchBody}
				b.ResetTimer()
				start := time.Now()
				for i := range b.N {
					if err := s.Send(ctx, fmt.Sprint(i), dest, m); err != nil {
						b.Fatal(err)
					}
				}
				<-done
				reportRate(b, start)
				b.StopTimer()
				s.Close(ctx)
				drain(b, br, dest, b.N)
			})
		}
		b.Run("bare-gostomp", func(b *testing.B) {
			dest := testQueue("bench-bare-send")
			c := bareConn(b, br)
			b.ResetTimer()
			start := time.Now()
			if err := bare.GoStompSend(c, dest, b.N, benchBody); err != nil {
				b.Fatal(err)
			}
			reportRate(b, start)
			b.StopTimer()
			c.Disconnect()
			drain(b, br, dest, b.N)
		})
	})
}

func BenchmarkConsume(b *testing.B) {
	benchBrokers(b, func(b *testing.B, br brokertest.Broker) {
		b.Run("individual-acks", func(b *testing.B) {
			ctx := context.Background()
			dest := testQueue("bench-recv")
			fill(b, br, dest, b.N)
			r, err := NewReceiver(ctx, brokerURI(b, br), brokerOpts(br), SubscribeOptions{Destination: dest, Prefetch: 100})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				d := <-r.Deliveries()
				if err := d.Ack(); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, start)
			b.StopTimer()
			r.Close()
		})
		b.Run("bare-gostomp", func(b *testing.B) {
			dest := testQueue("bench-bare-recv")
			fill(b, br, dest, b.N)
			c := bareConn(b, br)
			b.ResetTimer()
			start := time.Now()
			if err := bare.GoStompConsume(c, dest, b.N, 100); err != nil {
				b.Fatal(err)
			}
			reportRate(b, start)
			b.StopTimer()
			c.Disconnect()
		})
	})
}

// bareConn connects with go-stomp (package bare, shared with `bricks bench
// broker`), sized for a prefetch of 100.
func bareConn(b *testing.B, br brokertest.Broker) *gostomp.Conn {
	c, err := bare.DialGoStomp(br.Addr, br.Login, br.Passcode, br.VirtualHost, 100)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// fill puts n messages on dest (window 100), untimed.
func fill(b *testing.B, br brokertest.Broker, dest string, n int) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	ctx := context.Background()
	s, err := NewSender(ctx, brokerURI(b, br), brokerOpts(br), SenderOptions{Window: 100})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for i := range n {
			s.Send(ctx, fmt.Sprint(i), dest, &queue.Message{Body: benchBody})
		}
	}()
	for range n {
		<-s.Results()
	}
	s.Close(ctx)
}

// drain consumes n messages from dest with ack:auto, so benchmarks leave
// no backlog in the brokers.
func drain(b *testing.B, br brokertest.Broker, dest string, n int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := NewReceiver(ctx, brokerURI(b, br), brokerOpts(br), SubscribeOptions{Destination: dest, Ack: AckAuto})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for range n {
		select {
		case <-r.Deliveries():
		case <-ctx.Done():
			b.Fatal("drain: timeout")
		}
	}
}
