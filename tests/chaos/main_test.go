package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/proctest"
)

// bricksBin is the bricks binary built by TestMain for this run.
var bricksBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bricks-chaos-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bricksBin, err = proctest.BuildBricks(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	brokertest.DeleteRabbitQueues() // the benchmarks' fresh queues
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBricks starts `bricks run` on a tree file holding yaml, written under
// dir as name.yaml, logging to name.log there (appended across restarts).
func runBricks(t testing.TB, dir, name, yaml string) *proctest.Proc {
	t.Helper()
	tree := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(tree, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return proctest.Start(t, name, filepath.Join(dir, name+".log"), bricksBin, "run", tree)
}
