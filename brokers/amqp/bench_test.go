package amqp

import (
	"fmt"
	"strconv"
	"testing"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
)

// The benchmarks move 1 KiB binary messages and report msg/s, ours next to
// a bare go-amqp loop doing the same work in the same run.
var benchBody = make([]byte, 1024)

func forBenchBrokers(b *testing.B, f func(b *testing.B, br broker, bt brokertest.Broker)) {
	for _, br := range testBrokers {
		b.Run(br.name, func(b *testing.B) { f(b, br, br.get(b)) })
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}

// BenchmarkSend sends b.N messages with a window of 1, 10 and 100
// unconfirmed messages, waiting for every confirmation.
func BenchmarkSend(b *testing.B) {
	forBenchBrokers(b, func(b *testing.B, br broker, bt brokertest.Broker) {
		for _, window := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("window-%d/bricks", window), func(b *testing.B) {
				ctx := testCtx(b)
				q := br.queue(b)
				c := dial(b, bt)
				s, err := c.NewSender(ctx, q, SenderOptions{Window: window})
				if err != nil {
					b.Fatal(err)
				}
				m := queue.NewBinary(benchBody, nil)
				errc := make(chan error, 1)
				b.ResetTimer()
				go func() {
					for i := range b.N {
						if err := s.Send(ctx, strconv.Itoa(i), m); err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
				}()
				for range b.N {
					if c := <-s.Confirmations(); c.Err != nil {
						b.Fatal(c.Err)
					}
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				reportRate(b)
				_ = s.Close()
				drain(b, c, q, b.N)
			})
			b.Run(fmt.Sprintf("window-%d/bare", window), func(b *testing.B) {
				ctx := testCtx(b)
				q := br.queue(b)
				c := dial(b, bt)
				sess, err := c.c.NewSession(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				s, err := sess.NewSender(ctx, q, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				if err := bare.AMQPSend(ctx, s, b.N, window, benchBody, false); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				reportRate(b)
				_ = c.endSession(sess)
				drain(b, c, q, b.N)
			})
		}
	})
}

// drain removes n messages from q (outside the timings).
func drain(b *testing.B, c *Conn, q string, n int) {
	b.Helper()
	r, err := c.NewReceiver(testCtx(b), q, ReceiverOptions{Settled: true})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for range n {
		recvOne(b, r)
	}
}

// fill puts n messages in q with bare go-amqp (package bare, shared with
// `bricks bench broker`), outside the timings.
func fill(b *testing.B, c *Conn, q string, n int) {
	b.Helper()
	ctx := testCtx(b)
	sess, err := c.c.NewSession(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.endSession(sess)
	s, err := sess.NewSender(ctx, q, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := bare.AMQPSend(ctx, s, n, 200, benchBody, false); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReceive receives b.N queued messages and accepts each one,
// with credit 1000 topped up by 500 in both loops.
func BenchmarkReceive(b *testing.B) {
	forBenchBrokers(b, func(b *testing.B, br broker, bt brokertest.Broker) {
		b.Run("bricks", func(b *testing.B) {
			ctx := testCtx(b)
			q := br.queue(b)
			c := dial(b, bt)
			fill(b, c, q, b.N)
			b.ResetTimer()
			r, err := c.NewReceiver(ctx, q, ReceiverOptions{Credit: 1000, TopUp: 500})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			for range b.N {
				d, ok := <-r.Deliveries()
				if !ok {
					b.Fatal(r.Err())
				}
				if err := d.Accept(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportRate(b)
		})
		b.Run("bare", func(b *testing.B) {
			ctx := testCtx(b)
			q := br.queue(b)
			c := dial(b, bt)
			fill(b, c, q, b.N)
			b.ResetTimer()
			sess, err := c.c.NewSession(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.endSession(sess)
			r, err := sess.NewReceiver(ctx, q, &goamqp.ReceiverOptions{Credit: -1})
			if err != nil {
				b.Fatal(err)
			}
			if err := bare.AMQPConsume(ctx, r, b.N, 1000); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			reportRate(b)
		})
	})
}
