package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunApps: `bricks run` of a file whose apps all end exits 0, holding
// and then removing its --pidfile; a pid file of a live process refuses
// the start.
func TestRunApps(t *testing.T) {
	dir := t.TempDir()
	from, to, pid := filepath.Join(dir, "from"), filepath.Join(dir, "to"), filepath.Join(dir, "run.pid")
	tree := filepath.Join(dir, "drain.yaml")
	writeTree(t, tree, fmt.Sprintf("name: drain\napp: transfer\nfrom: {queue: {path: %s}}\nto: {queue: {path: %s}}\nloop: false\n", from, to))

	defer func() { runPidfile = "" }()
	if _, stderr, err := runLoaderCLI(t, "run", "--pidfile", pid, tree); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}

	if err := os.WriteFile(pid, []byte("1\n"), 0o644); err != nil { // pid 1 is alive
		t.Fatal(err)
	}
	_, _, err := runLoaderCLI(t, "run", "--pidfile", pid, tree)
	if err == nil || !strings.Contains(err.Error(), "already running as pid 1") {
		t.Errorf("run over a live pid file: %v", err)
	}
}
