package queue

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The real python-dirq (Debian python3-dirq) drives the interop tests.
const debianPython = "/usr/bin/python3"

// needPythonDirq returns the interpreter, or skips the test (fails it when
// CI=true) if python3-dirq is not installed.
func needPythonDirq(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import dirq").CombinedOutput()
	if err != nil {
		msg := "python3-dirq is not available (" + debianPython + " -c 'import dirq': " + err.Error() + " " + string(out) + "); install the Debian package python3-dirq"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return debianPython
}

// pyScript is the path of a helper script in tests/dirq.
func pyScript(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "tests", "dirq", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runDirqtool runs tests/dirq/dirqtool.py and decodes its JSON output.
func runDirqtool(t *testing.T, stdin any, out any, args ...string) {
	t.Helper()
	py := needPythonDirq(t)
	cmd := exec.Command(py, append([]string{pyScript(t, "dirqtool.py")}, args...)...)
	if stdin != nil {
		b, err := json.Marshal(stdin)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = bytes.NewReader(b)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("dirqtool.py %v: %v\n%s", args, err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("dirqtool.py %v: bad output %q: %v", args, b, err)
	}
}
