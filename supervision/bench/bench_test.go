package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunSmall runs a small benchmark end to end; it checks the table is
// complete, not the speed (that is what `bricks bench supervision` reports).
func TestRunSmall(t *testing.T) {
	cfg := Config{Restarts: 200, Workers: 300}
	bricks, bare, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if bricks.Restart.Count != 200 || bare.Restart.Count != 200 {
		t.Errorf("restarts measured: %d and %d, want 200", bricks.Restart.Count, bare.Restart.Count)
	}
	if bricks.Restart.P50 <= 0 || bricks.Tree.Start <= 0 || bare.Tree.Stop <= 0 {
		t.Errorf("missing measures: %+v %+v", bricks, bare)
	}
	var out bytes.Buffer
	Print(&out, cfg, bricks, bare)
	for _, want := range []string{"restart p50", "300-worker start", "RSS delta"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
}

// BenchmarkSupervision prints the full table: go test -run XXX -bench . ./supervision/bench
func BenchmarkSupervision(b *testing.B) {
	for range b.N {
		bricks, bare, err := Run(DefaultConfig)
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		Print(&out, DefaultConfig, bricks, bare)
		b.Log("\n" + out.String())
	}
}
