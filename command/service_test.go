package command

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// daemonFixture is the pidfile-writing test daemon of testdata/ with its
// start, stop and status scripts.
type daemonFixture struct {
	t       *testing.T
	pidfile string
}

func newDaemon(t *testing.T) *daemonFixture {
	d := &daemonFixture{t: t, pidfile: filepath.Join(t.TempDir(), "daemon.pid")}
	t.Cleanup(func() { d.script("stop.sh") }) // never leave a daemon behind
	return d
}

// with returns the `with:` block supervising the daemon; extra lines are
// appended.
func (d *daemonFixture) with(extra string) string {
	return fmt.Sprintf("start: [%s, %s]\nstop: [%s, %s]\nstatus: [%s, %s]\ninterval: 100ms\nready_interval: 50ms\n%s",
		testdata("start.sh"), d.pidfile, testdata("stop.sh"), d.pidfile, testdata("status.sh"), d.pidfile, extra)
}

// script runs one of the service scripts directly and returns its exit
// status.
func (d *daemonFixture) script(name string) ExitStatus {
	d.t.Helper()
	st, err := Run(context.Background(), []string{testdata(name), d.pidfile}, Options{}, patience)
	if err != nil {
		d.t.Fatal(err)
	}
	return st
}

// pid reads the daemon's pidfile, 0 when absent.
func (d *daemonFixture) pid() int {
	b, err := os.ReadFile(d.pidfile)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func TestServiceStartsDaemonAndStopsIt(t *testing.T) {
	d := newDaemon(t)
	if st := d.script("status.sh"); LSBState(st) != Stopped {
		t.Fatalf("daemon state before the test: %v", st)
	}
	h := spawnCommand(t, d.with(""))
	h.expectReady()
	pid := d.pid()
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("ready but daemon pid %d not running", pid)
	}
	h.rec.waitFor(t, "start output at debug", func(r record) bool {
		return strings.HasPrefix(r.Msg, "started daemon") && r.Level == slog.LevelDebug && r.Attrs["node"] == "tree/cmd"
	})
	h.rec.waitFor(t, "a passed status check", msgIs("status check passed"))
	h.stop()
	h.expectTerminated()
	if processAlive(pid) {
		t.Errorf("daemon %d still running after the node stopped", pid)
	}
	if st := d.script("status.sh"); LSBState(st) != Stopped {
		t.Errorf("status after stop: %v, want stopped", st)
	}
}

func TestServiceDetectsDaemonKilledFromOutside(t *testing.T) {
	d := newDaemon(t)
	h := spawnCommand(t, d.with(""))
	h.expectReady()
	pid := d.pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := h.expectFailure()
	var se *StateError
	if !errors.As(err, &se) || se.Got != Dirty || se.Expected != Running || se.Status.Code != 1 {
		t.Fatalf("reason = %v, want dirty (exit 1) while running expected", err)
	}
	h.expectTerminated()
	// Stopping the failed node ran stop, which cleans the dirty state.
	if st := d.script("status.sh"); LSBState(st) != Stopped {
		t.Errorf("status after the failed node stopped: %v, want stopped (pidfile cleaned)", st)
	}
}

func TestServiceAdoptsRunningDaemon(t *testing.T) {
	d := newDaemon(t)
	if st := d.script("start.sh"); !st.Success() {
		t.Fatalf("start.sh: %v", st)
	}
	pid := d.pid()
	h := spawnCommand(t, d.with(""))
	h.expectReady()
	h.rec.waitFor(t, "already running", msgIs("service already running"))
	if got := d.pid(); got != pid || !processAlive(pid) {
		t.Errorf("daemon pid %d after adoption, want the running %d untouched", got, pid)
	}
	if n := h.rec.count(msgIs("running start command")); n != 0 {
		t.Errorf("start command run %d times for a running daemon", n)
	}
}

func TestServiceCleansDirtyStateBeforeStart(t *testing.T) {
	d := newDaemon(t)
	if err := os.WriteFile(d.pidfile, []byte("999999999\n"), 0o644); err != nil { // stale pidfile
		t.Fatal(err)
	}
	h := spawnCommand(t, d.with(""))
	h.expectReady()
	h.rec.waitFor(t, "stop run to clean", msgIs("running stop command"))
	if pid := d.pid(); pid == 999999999 || !processAlive(pid) {
		t.Errorf("daemon pid %d, want a fresh running daemon", pid)
	}
}

func TestServiceExpectedStoppedStopsDaemon(t *testing.T) {
	d := newDaemon(t)
	if st := d.script("start.sh"); !st.Success() {
		t.Fatalf("start.sh: %v", st)
	}
	pid := d.pid()
	h := spawnCommand(t, d.with("expected: stopped"))
	h.expectReady()
	if processAlive(pid) {
		t.Errorf("daemon %d still running although expected stopped", pid)
	}
	// Starting it behind the node's back is a failure.
	if st := d.script("start.sh"); !st.Success() {
		t.Fatalf("start.sh: %v", st)
	}
	var se *StateError
	if err := h.expectFailure(); !errors.As(err, &se) || se.Got != Running || se.Expected != Stopped {
		t.Fatalf("reason = %v, want running while stopped expected", err)
	}
	h.expectTerminated()
}

func TestServiceStartCommandFails(t *testing.T) {
	d := newDaemon(t)
	h := spawnCommand(t, fmt.Sprintf("start: ['false']\nstatus: [%s, %s]", testdata("status.sh"), d.pidfile))
	err := h.expectFailure()
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Status.Code != 1 || !strings.Contains(err.Error(), "start") {
		t.Fatalf("reason = %v, want the start command's exit status 1", err)
	}
	h.expectTerminated()
}

func TestServiceStatusTimeoutIsDirty(t *testing.T) {
	h := spawnCommand(t, "start: ['true']\nstatus: [sleep, '300']\ntimeout: 100ms\nready_timeout: 300ms\nready_interval: 20ms")
	err := h.expectFailure()
	if !strings.Contains(err.Error(), "service running: not reached within 300ms") {
		t.Fatalf("reason = %v, want the careful start to time out", err)
	}
	if n := h.rec.count(msgIs("running stop command")); n != 0 {
		t.Errorf("stop run %d times without a stop command", n)
	}
	h.expectTerminated()
}

func TestServiceKillAbortsHungStop(t *testing.T) {
	d := newDaemon(t)
	h := spawnKillable(t, fmt.Sprintf("start: [%s, %s]\nstatus: [%s, %s]\nstop: [sh, -c, 'echo hanging; sleep 300']\ntimeout: %v",
		testdata("start.sh"), d.pidfile, testdata("status.sh"), d.pidfile, patience))
	h.expectReady()
	h.stop()
	h.rec.waitFor(t, "hung stop", msgIs("hanging"))
	h.expectQuiet("while the stop command hangs")
	h.lastIncarnation().Kill()
	h.expectTerminated()
	h.rec.waitFor(t, "stop failure logged", msgIs("stopping service failed"))
}

func TestServiceControlScriptWithEnv(t *testing.T) {
	d := newDaemon(t)
	h := spawnCommand(t, fmt.Sprintf("control: [%s]\nenv: {PIDFILE: %s}\ninterval: 100ms\nready_interval: 50ms\noutput_level: info",
		testdata("initscript.sh"), d.pidfile))
	h.expectReady()
	pid := d.pid()
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("daemon pid %d not running", pid)
	}
	r := h.rec.waitFor(t, "start output", func(r record) bool { return strings.HasPrefix(r.Msg, "started daemon") })
	if r.Level != slog.LevelInfo {
		t.Errorf("start output at %v, want INFO (output_level)", r.Level)
	}
	h.stop()
	h.expectTerminated()
	if processAlive(pid) {
		t.Errorf("daemon %d still running after stop", pid)
	}
}

func TestServicePatternDetectsAndStops(t *testing.T) {
	d := newDaemon(t)
	pattern := regexp.QuoteMeta("daemon.sh " + d.pidfile)
	h := spawnCommand(t, fmt.Sprintf("start: [%s, %s]\npattern: '%s'\ninterval: 100ms\nready_interval: 50ms",
		testdata("start.sh"), d.pidfile, pattern))
	h.expectReady()
	first := d.pid()
	if first == 0 || !processAlive(first) {
		t.Fatalf("daemon pid %d not running", first)
	}
	syscall.Kill(first, syscall.SIGKILL)
	var se *StateError
	if err := h.expectFailure(); !errors.As(err, &se) || se.Got != Stopped || se.Check != "pattern "+pattern {
		t.Fatalf("reason = %v, want no matching process (stopped) found by the pattern", err)
	}
	h.expectTerminated()

	// A fresh node starts the daemon again and stops it by the pattern.
	h = spawnCommand(t, fmt.Sprintf("start: [%s, %s]\npattern: '%s'\nready_interval: 50ms", testdata("start.sh"), d.pidfile, pattern))
	h.expectReady()
	second := d.pid()
	if second == first || !processAlive(second) {
		t.Fatalf("daemon pid %d after restart (was %d)", second, first)
	}
	h.stop()
	h.expectTerminated()
	if processAlive(second) {
		t.Errorf("daemon %d still running after the node stopped", second)
	}
	h.rec.waitFor(t, "pattern stop", msgIs("stopping processes matching pattern"))
}
