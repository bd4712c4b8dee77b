package bench

// Benchmarks of the parts of the table, for profiling one at a time:
// go test -run XXX -bench TreeStartOnly -cpuprofile cpu.out ./supervision/bench

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bricksmq/bricks/supervision"
)

func BenchmarkTreeStartOnly(b *testing.B) {
	registerKinds()
	children := make([]*supervision.Node, 10000)
	for i := range children {
		children[i] = &supervision.Node{Name: "w" + strconv.Itoa(i), Kind: idleKind.Name}
	}
	root := &supervision.Node{Name: "root", Strategy: supervision.OneForOne, Intensity: 1, Period: time.Second, Children: children}
	for range b.N {
		r, err := supervision.Start(context.Background(), &supervision.Tree{Root: root}, supervision.WithLogger(quiet))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		r.Stop(context.Background())
		b.StartTimer()
	}
}

func BenchmarkRestartBricks(b *testing.B) {
	registerKinds()
	for range b.N {
		if _, err := restartBricks(10000); err != nil {
			b.Fatal(err)
		}
	}
}
