package amqp_test

import (
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
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
