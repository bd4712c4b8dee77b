package kindtest

import (
	"strings"
	"testing"

	"github.com/bricksmq/bricks/supervision"
)

// ConfigError loads a tree "bad.yaml" holding a queue.writer named w and a
// node named stage of the given kind with the `with:` block with (YAML
// flow style), and fails t unless loading is refused with an error that
// names the place (bad.yaml:line:col) and contains want.
func ConfigError(t testing.TB, kind, with, want string) {
	t.Helper()
	yaml := `
name: bad
children:
  - name: w
    kind: queue.writer
    with: {path: /tmp/x}
  - name: stage
    kind: ` + kind + `
    with: ` + with + "\n"
	_, err := supervision.LoadBytes("bad.yaml", []byte(yaml))
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bad.yaml:") {
		t.Errorf("%s with %s: err = %v, want one naming bad.yaml:line:col and containing %q", kind, with, err, want)
	}
}
