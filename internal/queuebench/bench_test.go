package queuebench

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunSmall(t *testing.T) {
	cfg := Config{Targets: []Target{{Label: "disk", Dir: t.TempDir()}}, N: 40, Runs: 2, BodySize: 1024}
	rows, err := Run(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8 (4 workloads x add, consume)", len(rows))
	}
	for _, r := range rows {
		if len(r.Samples) != 2 {
			t.Errorf("%s %s: %d samples", r.Queue, r.Op, len(r.Samples))
		}
		if lo, _, _ := r.Rates(); lo <= 0 {
			t.Errorf("%s %s: rate %v", r.Queue, r.Op, lo)
		}
	}
	var out bytes.Buffer
	Print(&out, rows)
	if !strings.Contains(out.String(), "of bare") || strings.Count(out.String(), "%") != 4 {
		t.Errorf("table:\n%s", out.String())
	}
}

func TestIterateRSS(t *testing.T) {
	r, err := IterateRSS(t.TempDir(), 2000)
	if err != nil {
		t.Fatal(err)
	}
	if r.PeakKiB <= 0 || r.BaseKiB <= 0 || r.Elements != 2000 {
		t.Errorf("report %+v", r)
	}
}
