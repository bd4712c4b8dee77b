package brokerbench

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkEmbedded runs every row against the in-process embedded broker
// as Go benchmarks (b.N messages per row), reporting msg/s:
//
//	go test -run '^$' -bench Embedded -benchtime 5000x ./internal/brokerbench/
func BenchmarkEmbedded(b *testing.B) {
	e, err := StartEmbedded(quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Stop(context.Background())
	cfg := Config{URI: e.URI(), Logger: quiet}.withDefaults()
	cfg.Destination = DefaultDestination("stomp")
	sb, err := newSTOMPBench(cfg, make([]byte, cfg.Size))
	if err != nil {
		b.Fatal(err)
	}
	ws := workloads(cfg, sb)
	for _, w := range ws {
		b.Run(fmt.Sprintf("%s/%s%s", w.op, w.client, map[bool]string{true: fmt.Sprintf("-window-%d", w.window)}[w.window > 0]), func(b *testing.B) {
			d, err := w.run(context.Background(), b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/d.Seconds(), "msg/s")
		})
	}
}
