package command

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
)

// BenchmarkRunTrue measures one status-check round trip: fork/exec of a
// trivial command in its own process group, wait, and exit-code reading.
func BenchmarkRunTrue(b *testing.B) {
	for b.Loop() {
		st, err := Run(context.Background(), []string{"true"}, Options{}, 0)
		if err != nil || !st.Success() {
			b.Fatalf("%v %v", st, err)
		}
	}
}

// BenchmarkOutputLines measures how fast program output becomes log records
// (text handler writing to io.Discard); the unit is one line.
func BenchmarkOutputLines(b *testing.B) {
	const lines = 100000
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Start([]string{"seq", strconv.Itoa(lines)}, Options{Logger: log})
		if err != nil {
			b.Fatal(err)
		}
		if st := p.Wait(); !st.Success() {
			b.Fatal(st)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
}
