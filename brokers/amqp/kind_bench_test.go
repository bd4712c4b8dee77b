package amqp_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// BenchmarkKindPipeline measures a whole transfer queue -> amqp.sender ->
// broker -> amqp.receiver -> queue with the default windows (sender 100,
// reader 100, prefetch 1000), from the tree's start until the last message
// is in the destination queue; msgs/s is the end-to-end rate.
func BenchmarkKindPipeline(b *testing.B) {
	for _, kb := range kindBrokers {
		b.Run(kb.name, func(b *testing.B) {
			br := kb.get(b)
			p := newKindPipeline(b, kb, br)
			p.window = 100
			kindtest.Fill(b, p.src, kindtest.Messages(b.N)...)
			b.ResetTimer()
			kindtest.RunTree(b, p.yaml())
			kindtest.WaitUntil(b, "every message arrived", func() bool { return kindtest.Count(b, p.dst) >= b.N })
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkKindReceive measures amqp.receiver alone (prefetch 1000, the
// default) on b.N messages of 1 KiB put on the broker beforehand: the
// receiver Delivers them to a stage that confirms each at once, and the
// timer runs from the tree's start until the last Confirm. This is the
// stage's own cost over the library's Receiver, with no disk on the way:
//
//	go test -run '^$' -bench KindReceive -benchtime 5000x -cpuprofile cpu.out ./brokers/amqp/
func BenchmarkKindReceive(b *testing.B) {
	for _, kb := range kindBrokers {
		b.Run(kb.name, func(b *testing.B) {
			br := kb.get(b)
			address := kb.address(b)
			fillBroker(b, br, address, b.N)
			var confirmed atomic.Int64
			script := kindtest.Script(b, func(ctx actor.Context, d *queue.Deliver) {
				queue.Answer(ctx, ctx.Sender(), d.ID, nil)
				confirmed.Add(1)
			})
			b.ResetTimer()
			kindtest.RunTree(b, fmt.Sprintf(`
name: amqpreceive
strategy: rest_for_one
children:
  - name: sink
    kind: %s
    with: {script: %q}
  - name: receiver
    kind: amqp.receiver
    restart: transient
    with: {uri: %q, auth: %s, destination: %q, to: sink, count: %d}
`, kindtest.ScriptKind, script, br.URI, kb.auth(br), address, b.N))
			kindtest.WaitUntil(b, "every message confirmed", func() bool { return confirmed.Load() >= int64(b.N) })
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// fillBroker puts n durable messages of 1 KiB on address.
func fillBroker(tb testing.TB, br brokertest.Broker, address string, n int) {
	tb.Helper()
	ctx := context.Background()
	o := amqp.Options{Logger: kindtest.Log()}
	if br.Login != "" {
		o.SASL = amqp.SASL{Mechanism: amqp.SASLPlain, Username: br.Login, Password: br.Passcode}
	}
	c, err := amqp.DialURI(ctx, br.URI, o)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSender(ctx, address, amqp.SenderOptions{Durable: true})
	if err != nil {
		tb.Fatal(err)
	}
	m := &queue.Message{Body: make([]byte, 1024)}
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			if err := s.Send(ctx, strconv.Itoa(i), m); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range n {
		if conf := <-s.Confirmations(); conf.Err != nil {
			tb.Fatal(conf.Err)
		}
	}
	if err := <-errc; err != nil {
		tb.Fatal(err)
	}
}
