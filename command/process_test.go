package command

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestStartLogsOutputLineByLine(t *testing.T) {
	rec := newRecorder()
	p, err := Start([]string{"sh", "-c", "echo one; echo two >&2; echo three; printf partial"},
		Options{Logger: rec.logger(), Level: slog.LevelInfo})
	if err != nil {
		t.Fatal(err)
	}
	st := waitDone(t, p)
	if !st.Success() {
		t.Fatalf("exit = %v, want success", st)
	}
	want := map[string]string{"one": "stdout", "two": "stderr", "three": "stdout", "partial": "stdout"}
	for msg, stream := range want {
		r, ok := rec.find(msgIs(msg))
		if !ok {
			t.Fatalf("line %q not logged; got:\n%s", msg, rec.dump())
		}
		if r.Attrs["stream"] != stream || r.Attrs["pid"] == "" || r.Level != slog.LevelInfo {
			t.Errorf("line %q logged as %v %v, want stream=%s with pid at INFO", msg, r.Level, r.Attrs, stream)
		}
	}
	if n := rec.count(func(record) bool { return true }); n != len(want) {
		t.Errorf("%d records, want %d:\n%s", n, len(want), rec.dump())
	}
}

func TestStartSplitsOverlongLines(t *testing.T) {
	rec := newRecorder()
	// maxLine+10 'x' then newline: one full chunk and a 10-byte rest.
	p, err := Start([]string{"sh", "-c", "head -c 65546 /dev/zero | tr '\\0' x; echo"}, Options{Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if _, ok := rec.find(func(r record) bool { return len(r.Msg) == maxLine }); !ok {
		t.Errorf("no %d-byte chunk logged", maxLine)
	}
	if _, ok := rec.find(msgIs(strings.Repeat("x", 10))); !ok {
		t.Errorf("rest of the long line not logged")
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		script string
		code   int
		sig    syscall.Signal
		state  State
	}{
		{"exit 0", 0, 0, Running},
		{"exit 3", 3, 0, Stopped},
		{"exit 7", 7, 0, Dirty},
		{"kill -KILL $$", -1, syscall.SIGKILL, Dirty},
	} {
		p, err := Start([]string{"sh", "-c", tc.script}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		st := waitDone(t, p)
		if st.Code != tc.code || st.Signal != tc.sig {
			t.Errorf("%q: got code %d signal %v, want %d %v", tc.script, st.Code, st.Signal, tc.code, tc.sig)
		}
		if st.Success() != (tc.code == 0 && tc.sig == 0) {
			t.Errorf("%q: Success() = %v", tc.script, st.Success())
		}
		if got := LSBState(st); got != tc.state {
			t.Errorf("%q: LSB state %v, want %v", tc.script, got, tc.state)
		}
	}
}

func TestStartMissingProgram(t *testing.T) {
	_, err := Start([]string{"/nonexistent/program"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/program") {
		t.Fatalf("err = %v, want an error naming the program", err)
	}
	if _, err := Start(nil, Options{}); err == nil {
		t.Fatal("empty argv accepted")
	}
}

func TestEnvDirAndPath(t *testing.T) {
	rec := newRecorder()
	dir := t.TempDir()
	p, err := Start([]string{"/bin/sh", "-c", `echo "foo=$FOO"; echo "path=$PATH"; pwd`},
		Options{Dir: dir, Env: map[string]string{"FOO": "bar"}, Path: "/bin:/usr/bin", Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	for _, want := range []string{"foo=bar", "path=/bin:/usr/bin", dir} {
		if _, ok := rec.find(msgIs(want)); !ok {
			t.Errorf("%q not logged; got:\n%s", want, rec.dump())
		}
	}
}

func TestSignalReachesWholeGroup(t *testing.T) {
	rec := newRecorder()
	// The shell forks a background sleep into the same group.
	p, err := Start([]string{"sh", "-c", "sleep 300 & echo forked; wait"}, Options{Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "forked", msgIs("forked"))
	if m := groupMembers(t, p.Pid()); len(m) < 2 {
		t.Fatalf("group %d has members %v, want the shell and its sleep", p.Pid(), m)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	st := waitDone(t, p)
	if st.Signal != syscall.SIGTERM {
		t.Errorf("exit = %v, want killed by SIGTERM", st)
	}
	waitGroupGone(t, p.Pid())
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("signalling a vanished group: %v, want nil", err)
	}
}

func TestKillEndsProgramIgnoringTerm(t *testing.T) {
	rec := newRecorder()
	p, err := Start([]string{"sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 1; done"}, Options{Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "trapped", msgIs("trapped"))
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // give TERM a chance to (wrongly) work
	select {
	case <-p.Done():
		t.Fatalf("program ignoring TERM ended: %v", p.Exit())
	default:
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, p); st.Signal != syscall.SIGKILL {
		t.Errorf("exit = %v, want killed by SIGKILL", st)
	}
	waitGroupGone(t, p.Pid())
}

func TestWaitDoesNotHangOnInheritedPipes(t *testing.T) {
	rec := newRecorder()
	// The background sleep keeps stdout open after the shell exited.
	p, err := Start([]string{"sh", "-c", "sleep 300 & echo started"}, Options{Logger: rec.logger(), Drain: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer waitGroupGone(t, p.Pid())
	defer p.Kill()
	if st := waitDone(t, p); !st.Success() {
		t.Fatalf("exit = %v", st)
	}
	if _, ok := rec.find(msgIs("started")); !ok {
		t.Errorf("output before exit lost; got:\n%s", rec.dump())
	}
	if m := groupMembers(t, p.Pid()); len(m) != 1 {
		t.Errorf("group members %v, want the orphaned sleep only", m)
	}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	start := time.Now()
	st, err := Run(context.Background(), []string{"sh", "-c", "sleep 300 & sleep 300"}, Options{}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !st.TimedOut || LSBState(st) != Dirty {
		t.Fatalf("status = %+v, want a timeout counted as dirty", st)
	}
	if time.Since(start) > patience {
		t.Fatalf("Run waited for the program instead of its timeout")
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	st, err := Run(ctx, []string{"sleep", "300"}, Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if st.Err != context.Canceled || st.Signal != syscall.SIGKILL {
		t.Fatalf("status = %+v, want cancelled and killed", st)
	}
}

func TestRunReportsCode(t *testing.T) {
	st, err := Run(context.Background(), []string{"sh", "-c", "exit 3"}, Options{}, time.Minute)
	if err != nil || st.Code != 3 || LSBState(st) != Stopped {
		t.Fatalf("Run = %+v, %v; want code 3 (stopped)", st, err)
	}
	if _, err := Run(context.Background(), []string{"/nonexistent"}, Options{}, time.Minute); err == nil {
		t.Fatal("Run of a missing program: no error")
	}
}

func TestKillOrphansWithLeader(t *testing.T) {
	rec := newRecorder()
	p, err := Start([]string{"sh", "-c", "sleep 300 & echo started"}, Options{Logger: rec.logger(), KillOrphans: true})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, p); !st.Success() {
		t.Fatalf("exit = %v", st)
	}
	waitGroupGone(t, p.Pid())
	if _, ok := rec.find(msgIs("started")); !ok {
		t.Errorf("output lost; got:\n%s", rec.dump())
	}
}

func TestOnLineCountsOutputLines(t *testing.T) {
	var n atomic.Int32
	p, err := Start([]string{"sh", "-c", "echo a; echo; echo b >&2"}, Options{OnLine: func() { n.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	if got := n.Load(); got != 3 {
		t.Errorf("OnLine called %d times, want 3 (empty lines count)", got)
	}
}
