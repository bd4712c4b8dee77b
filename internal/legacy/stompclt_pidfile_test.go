package legacy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startSleeper starts a child process that only waits, as the owner of a
// pid file, and returns it with a channel closed when it has exited.
func startSleeper(t *testing.T) (*exec.Cmd, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	return cmd, done
}

// --status gives stompclt's LSB statuses: 3 without a pid file, 0 for a
// live owner that touched it lately, 1 when it is stale or the owner dead.
func TestStompcltStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.pid")
	var out bytes.Buffer
	if code := StompcltStatus(&out, path, 0); code != 3 || out.String() != "stompclt does not seem to be running (no pid file)\n" {
		t.Errorf("no pid file: %d %q", code, out.String())
	}
	cmd, done := startSleeper(t)
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\n", cmd.Process.Pid), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := StompcltStatus(&out, path, 0); code != 0 || !strings.Contains(out.String(), fmt.Sprintf("(pid %d) was active on", cmd.Process.Pid)) {
		t.Errorf("live: %d %q", code, out.String())
	}
	old := time.Now().Add(-2 * statusFreshness)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := StompcltStatus(&out, path, 0); code != 1 || !strings.Contains(out.String(), "does not seem to be running anymore since") {
		t.Errorf("stale: %d %q", code, out.String())
	}
	_ = cmd.Process.Kill()
	<-done
	out.Reset()
	if code := StompcltStatus(&out, path, 0); code != 1 || !strings.Contains(out.String(), "does not seem to be running anymore") {
		t.Errorf("dead: %d %q", code, out.String())
	}
}

// --quit ends the owner with SIGTERM and removes the pid file it left.
func TestStompcltQuit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.pid")
	var out bytes.Buffer
	if err := StompcltQuit(&out, path, time.Second); err != nil || !strings.Contains(out.String(), "no pid file") {
		t.Errorf("no pid file: %v %q", err, out.String())
	}
	cmd, done := startSleeper(t)
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\n", cmd.Process.Pid), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := StompcltQuit(&out, path, time.Minute); err != nil {
		t.Fatal(err)
	}
	<-done
	want := fmt.Sprintf("stompclt (pid %d) is being told to quit...\nstompclt does not seem to be running anymore\nstompclt removing stale pid file: %s\n", cmd.Process.Pid, path)
	if out.String() != want {
		t.Errorf("quit said:\n%s\nwant:\n%s", out.String(), want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
}

// The owner's watcher touches the file and reports a quit request.
func TestWatchPidfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.pid")
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	var quits atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended := make(chan struct{})
	go func() { WatchPidfile(ctx, path, 10*time.Millisecond, func() { quits.Add(1) }); close(ended) }()
	for {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.ModTime().After(old.Add(time.Minute)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\nquit\n", os.Getpid()), 0o644); err != nil {
		t.Fatal(err)
	}
	<-ended
	if quits.Load() != 1 {
		t.Errorf("quit called %d times", quits.Load())
	}
	if err := ReleasePidfile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("pid file with a quit action not released: %v", err)
	}
}
