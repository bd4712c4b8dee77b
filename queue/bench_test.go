package queue_test

import (
	"os"
	"testing"

	"github.com/bricksmq/bricks/internal/queuebench"
)

// benchTargets: tmpfs when there is one, and the test's temporary
// directory (TMPDIR, normally the working disk).
func benchTargets(b *testing.B) []queuebench.Target {
	ts := []queuebench.Target{{Label: "disk", Dir: b.TempDir()}}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		ts = append([]queuebench.Target{{Label: "tmpfs", Dir: "/dev/shm"}}, ts...)
	}
	return ts
}

// BenchmarkQueue measures add and lock+get+remove per element (1 KiB
// bodies) for DQS and DQN, each next to its bare loop of the same system
// calls (the "-bare" sub-benchmarks), on tmpfs and disk. Compare ns/op of
// a flavour with its bare loop; `bricks bench queue` prints the same as
// elements/s with min/median/max over runs.
func BenchmarkQueue(b *testing.B) {
	body := make([]byte, 1024)
	for _, t := range benchTargets(b) {
		for _, w := range queuebench.Workloads() {
			b.Run(t.Label+"/"+w.Name+"/add", func(b *testing.B) {
				dir, err := os.MkdirTemp(t.Dir, "bricks-bench-")
				if err != nil {
					b.Fatal(err)
				}
				defer os.RemoveAll(dir)
				b.ReportAllocs()
				b.ResetTimer()
				if err := w.Add(dir+"/q", b.N, body); err != nil {
					b.Fatal(err)
				}
			})
			b.Run(t.Label+"/"+w.Name+"/consume", func(b *testing.B) {
				dir, err := os.MkdirTemp(t.Dir, "bricks-bench-")
				if err != nil {
					b.Fatal(err)
				}
				defer os.RemoveAll(dir)
				if err := w.Add(dir+"/q", b.N, body); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				n, err := w.Consume(dir + "/q")
				if err != nil || n != b.N {
					b.Fatalf("consumed %d of %d: %v", n, b.N, err)
				}
			})
		}
	}
}

// BenchmarkIterateRSS reports the peak RSS while iterating a DQS queue of
// one million elements. It takes long, so it runs only with
// BRICKS_BENCH_RSS=1 (or use `bricks bench queue --rss 1000000`).
func BenchmarkIterateRSS(b *testing.B) {
	if os.Getenv("BRICKS_BENCH_RSS") != "1" {
		b.Skip("set BRICKS_BENCH_RSS=1 to iterate a queue of 1,000,000 elements")
	}
	dir := "/dev/shm"
	if _, err := os.Stat(dir); err != nil {
		dir = b.TempDir()
	}
	for range b.N {
		r, err := queuebench.IterateRSS(dir, 1_000_000)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.PeakKiB), "peak-RSS-KiB")
		b.ReportMetric(float64(r.BaseKiB), "base-RSS-KiB")
	}
}
