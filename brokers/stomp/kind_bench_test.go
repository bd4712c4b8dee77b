package stomp_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/stomptest"
)

// benchPipeline moves b.N messages queue -> stomp.sender -> broker ->
// stomp.receiver -> queue and reports the end-to-end rate. Filling the
// source queue is not timed; starting the tree is.
func benchPipeline(b *testing.B, uri, connection, destination string) {
	dir := b.TempDir()
	p := &pipeline{src: filepath.Join(dir, "in"), dst: filepath.Join(dir, "out"), uri: uri,
		connection: connection, destination: destination, window: 100}
	b.StopTimer()
	kindtest.Fill(b, p.src, kindtest.Messages(b.N)...)
	b.StartTimer()
	start := time.Now()
	kindtest.RunTree(b, p.yaml())
	kindtest.WaitUntil(b, "every message arrived", func() bool { return kindtest.Count(b, p.dst) >= b.N })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msg/s")
}

func BenchmarkKindPipelineEmbedded(b *testing.B) {
	srv := startBroker(b, embedded.Options{})
	benchPipeline(b, "stomp://"+srv.Addr().String(), "", stomptest.Unique("/queue/", "kindbench"))
}

func BenchmarkKindPipelineRabbitMQ(b *testing.B) {
	br := brokertest.RabbitSTOMP(b)
	benchPipeline(b, br.URI, connectionYAML(br), stomptest.Unique("/queue/", "kindbench"))
}

func BenchmarkKindPipelineActiveMQ(b *testing.B) {
	br := brokertest.ActiveMQSTOMP(b)
	benchPipeline(b, br.URI, connectionYAML(br), stomptest.Unique("/queue/", "kindbench"))
}
