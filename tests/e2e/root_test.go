package e2e

import (
	"os"
	"os/exec"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// requireRoot fails the test under CI and skips it otherwise unless it
// runs as root, which what it does (mount, rabbitmqctl) needs.
func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if brokertest.InCI() {
		t.Fatalf("%s needs root (CI=true)", why)
	}
	t.Skipf("%s needs root", why)
}

// run runs a command, failing the test with its output if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	return string(out)
}
