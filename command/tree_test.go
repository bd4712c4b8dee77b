package command

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/supervision"
)

// treeRun is a supervision tree of command nodes started for a test, with
// the events it emitted.
type treeRun struct {
	t      *testing.T
	rec    *recorder
	run    *supervision.Running
	events chan supervision.Event
}

// startTree starts a tree whose root supervisor has the given children.
func startTree(t *testing.T, root *supervision.Node) *treeRun {
	t.Helper()
	tr := &treeRun{t: t, rec: newRecorder(), events: make(chan supervision.Event, 1000)}
	hook := func(e supervision.Event) {
		select {
		case tr.events <- e:
		default: // never block the supervisor; the buffer is ample for a test
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	run, err := supervision.Start(ctx, &supervision.Tree{Root: root},
		supervision.WithLogger(tr.rec.logger()), supervision.WithEventHook(hook))
	if err != nil {
		t.Fatalf("start tree: %v\nlog:\n%s", err, tr.rec.dump())
	}
	tr.run = run
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		tr.run.Stop(ctx)
	})
	return tr
}

// waitEvent returns the first event matching pred, failing after patience.
func (tr *treeRun) waitEvent(what string, pred func(supervision.Event) bool) supervision.Event {
	tr.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case e := <-tr.events:
			if pred(e) {
				return e
			}
		case <-timeout:
			tr.t.Fatalf("no %s event within %v; log:\n%s", what, patience, tr.rec.dump())
		}
	}
}

func (tr *treeRun) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	return tr.run.Stop(ctx)
}

// commandNode builds a worker node of kind command from its `with:` YAML.
func commandNode(t *testing.T, name, with string, restart supervision.Restart, shutdown time.Duration) *supervision.Node {
	t.Helper()
	cfg, err := decodeWith(t, with)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return &supervision.Node{Name: name, Kind: KindName, With: cfg, Restart: restart,
		Shutdown: supervision.Shutdown{Timeout: shutdown}}
}

func supervisor(name string, intensity int, period time.Duration, children ...*supervision.Node) *supervision.Node {
	return &supervision.Node{Name: name, Strategy: supervision.OneForOne, Intensity: intensity, Period: period,
		Shutdown: supervision.Shutdown{Infinity: true}, Children: children}
}

func TestTreeRestartsDaemonKilledFromOutside(t *testing.T) {
	d := newDaemon(t)
	tr := startTree(t, supervisor("services", 3, time.Minute,
		commandNode(t, "daemon", d.with(""), supervision.Permanent, 10*time.Second)))
	first := d.pid()
	if first == 0 || !processAlive(first) {
		t.Fatalf("tree started but daemon pid %d is not running", first)
	}
	syscall.Kill(first, syscall.SIGKILL)

	e := tr.waitEvent("ChildExited", func(e supervision.Event) bool { _, ok := e.(*supervision.ChildExited); return ok })
	var se *StateError
	if ex := e.(*supervision.ChildExited); ex.Node != "services/daemon" || ex.Exit != supervision.ExitAbnormal || !errors.As(ex.Reason, &se) || se.Got != Dirty {
		t.Fatalf("exit event %v (reason %v), want services/daemon abnormal with a dirty status", e, ex.Reason)
	}
	tr.waitEvent("ChildStarted after restart", func(e supervision.Event) bool {
		s, ok := e.(*supervision.ChildStarted)
		return ok && s.Node == "services/daemon" && s.Restarts == 1
	})
	second := d.pid()
	if second == 0 || second == first || !processAlive(second) {
		t.Fatalf("after restart daemon pid %d (was %d), want a new running daemon", second, first)
	}
	if st := d.script("status.sh"); LSBState(st) != Running {
		t.Fatalf("status after restart: %v", st)
	}
	if err := tr.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if processAlive(second) {
		t.Errorf("daemon %d still running after the tree stopped", second)
	}
}

func TestTreeIntensityIsSimplevisorAdjustments(t *testing.T) {
	// adjustments 1 in a window of 600 cycles of 100ms = intensity 1 in 60s:
	// the second failure within the period makes the supervisor give up.
	d := newDaemon(t)
	tr := startTree(t, supervisor("services", 1, time.Minute,
		commandNode(t, "daemon", d.with(""), supervision.Permanent, 10*time.Second)))
	for i := 1; i <= 2; i++ {
		pid := d.pid()
		syscall.Kill(pid, syscall.SIGKILL)
		if i == 1 {
			tr.waitEvent("restart", func(e supervision.Event) bool {
				s, ok := e.(*supervision.ChildStarted)
				return ok && s.Restarts == 1
			})
		}
	}
	e := tr.waitEvent("IntensityExceeded", func(e supervision.Event) bool { _, ok := e.(*supervision.IntensityExceeded); return ok })
	if ie := e.(*supervision.IntensityExceeded); ie.Supervisor != "services" || ie.Child != "services/daemon" && ie.Child != "daemon" {
		t.Errorf("intensity event %v", e)
	}
	select {
	case <-tr.run.Done():
	case <-time.After(patience):
		t.Fatal("tree still running after its root gave up")
	}
	var ie *supervision.IntensityError
	if err := tr.run.Wait(); !errors.As(err, &ie) {
		t.Errorf("tree ended with %v, want an IntensityError", err)
	}
	if st := d.script("status.sh"); LSBState(st) != Stopped {
		t.Errorf("status after the supervisor gave up: %v, want stopped", st)
	}
}

func TestTreeTransientNormalExitNotRestarted(t *testing.T) {
	tr := startTree(t, supervisor("jobs", 3, time.Minute,
		commandNode(t, "job", "run: ["+testdata("exit0.sh")+"]", supervision.Transient, 5*time.Second),
		commandNode(t, "idle", "run: [sleep, '300']", supervision.Permanent, 5*time.Second)))
	e := tr.waitEvent("ChildExited", func(e supervision.Event) bool { _, ok := e.(*supervision.ChildExited); return ok })
	if ex := e.(*supervision.ChildExited); ex.Node != "jobs/job" || ex.Exit != supervision.ExitNormal {
		t.Fatalf("exit event %v, want jobs/job normal", e)
	}
	if err := tr.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, e := range drain(tr.events) {
		if r, ok := e.(*supervision.ChildRestarted); ok {
			t.Errorf("transient job restarted after exit 0: %v", r)
		}
	}
}

func TestTreeKillsCommandOverrunningShutdown(t *testing.T) {
	tr := startTree(t, supervisor("svc", 3, time.Minute,
		commandNode(t, "stubborn", "run: ["+testdata("ignoreterm.sh")+"]", supervision.Permanent, 300*time.Millisecond)))
	r := tr.rec.waitFor(t, "command started", msgIs("command started"))
	tr.rec.waitFor(t, "trap set", msgIs("ignoring TERM"))
	pgid := atoi(t, r.Attrs["pid"])
	if err := tr.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	tr.waitEvent("ShutdownOverrun", func(e supervision.Event) bool { _, ok := e.(*supervision.ShutdownOverrun); return ok })
	waitGroupGone(t, pgid)
	if r := tr.rec.waitFor(t, "command stopped", msgIs("command stopped")); !strings.Contains(r.Attrs["exit"], "killed") {
		t.Errorf("command stopped with %v, want killed", r.Attrs)
	}
}

// drain returns the events already queued.
func drain(ch chan supervision.Event) []supervision.Event {
	var out []supervision.Event
	for {
		select {
		case e := <-ch:
			out = append(out, e)
		default:
			return out
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestTreeFromYAML(t *testing.T) {
	d := newDaemon(t)
	t.Setenv("PIDFILE", d.pidfile)
	tree, err := supervision.Load("testdata/services.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tr := startTree(t, tree.Root)
	pid := d.pid()
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("daemon pid %d not running", pid)
	}
	r := tr.rec.waitFor(t, "worker output", msgIs("worker up"))
	if r.Attrs["node"] != "services/worker" {
		t.Errorf("worker output tagged %v, want node=services/worker", r.Attrs)
	}
	if err := tr.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if processAlive(pid) {
		t.Errorf("daemon %d still running after the tree stopped", pid)
	}
	worker := atoi(t, tr.rec.waitFor(t, "worker started", func(r record) bool {
		return r.Msg == "command started" && r.Attrs["node"] == "services/worker"
	}).Attrs["pid"])
	waitGroupGone(t, worker)
}

func TestTreeFileErrorsArePlaced(t *testing.T) {
	_, err := supervision.Load("testdata/bad.yaml")
	if err == nil {
		t.Fatal("bad tree loaded")
	}
	for _, want := range []string{
		"testdata/bad.yaml:6:5: children[0].with: `run` (owned process) cannot be combined with `start`",
		"testdata/bad.yaml:11:5: children[1].with: `stop` needs `status`",
		"testdata/bad.yaml:18:17: children[2].with.expected:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestTreeBrutalKill(t *testing.T) {
	n := commandNode(t, "stubborn", "run: ["+testdata("ignoreterm.sh")+"]", supervision.Permanent, 0)
	n.Shutdown = supervision.Shutdown{BrutalKill: true}
	tr := startTree(t, supervisor("svc", 3, time.Minute, n))
	pgid := atoi(t, tr.rec.waitFor(t, "command started", msgIs("command started")).Attrs["pid"])
	tr.rec.waitFor(t, "trap set", msgIs("ignoring TERM"))
	if err := tr.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	waitGroupGone(t, pgid)
	if r := tr.rec.waitFor(t, "command stopped", msgIs("command stopped")); !strings.Contains(r.Attrs["exit"], "killed") {
		t.Errorf("command stopped with %v, want killed", r.Attrs)
	}
}
