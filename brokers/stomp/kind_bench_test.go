package stomp_test

import (
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/stomptest"
)

// benchPipeline moves b.N messages queue -> stomp.sender -> broker ->
// stomp.receiver -> queue and reports the end-to-end rate
// (kindtest.Pipeline.Bench). Filling the source queue is not timed;
// starting the tree is.
func benchPipeline(b *testing.B, uri, connection, destination string) {
	dir := b.TempDir()
	p := &pipeline{src: filepath.Join(dir, "in"), dst: filepath.Join(dir, "out"), uri: uri,
		connection: connection, destination: destination, window: 100}
	p.tree().Bench(b)
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
