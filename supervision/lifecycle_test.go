package supervision

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func manual(t *testing.T, name string) *Node {
	n := worker(t, name, Permanent)
	n.Kind = "test.manual"
	return n
}

// TestStartWaitsForReady: a child that signals readiness holds back its
// later siblings and Start until it says it is ready.
func TestStartWaitsForReady(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	root := sup("root", OneForOne, 1, manual(t, "a"), sup("s", OneForOne, 1, manual(t, "b")), worker(t, "c", Permanent))
	type result struct {
		r   *Running
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Start(context.Background(), &Tree{Root: root}, WithEventHook(rec.hook), WithLogger(quietLogger()))
		done <- result{r, err}
	}()
	rec.waitLog(t, "start root/a", 1)
	rec.send("root/a", cmdReady)
	rec.waitLog(t, "start root/s/b", 1)
	select {
	case <-done:
		t.Fatal("Start returned before root/s/b was ready")
	default:
	}
	if slices.Contains(rec.lines(), "start root/c") {
		t.Fatal("root/c started before its elder sibling root/s was ready")
	}
	rec.send("root/s/b", cmdReady)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	defer res.r.Stop(context.Background())
	want := []string{"start a", "start s/b", "start c"}
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, st := range res.r.Inspect() {
		if st.State != StateRunning {
			t.Errorf("%s is %s after Start", st.Path, st.State)
		}
	}
}

// TestStartFailureRollsBack: a child failing to start aborts the start; the
// children started before it are stopped in reverse order.
func TestStartFailureRollsBack(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	root := sup("root", OneForOne, 5, worker(t, "a", Permanent),
		sup("s", OneForOne, 5, worker(t, "b", Permanent), worker(t, "c", Permanent, "fail_starts", 1)),
		worker(t, "d", Permanent))
	_, err := Start(context.Background(), &Tree{Root: root}, WithEventHook(rec.hook), WithLogger(quietLogger()))
	var se *StartError
	if !errors.As(err, &se) || se.Supervisor != "root" || se.Child != "root/s" {
		t.Fatalf("Start() = %v, want root failing on root/s", err)
	}
	if !errors.As(se.Reason, &se) || se.Child != "root/s/c" {
		t.Fatalf("reason %v, want root/s/c's start failure", se.Reason)
	}
	want := []string{"start a", "start s/b", "startfail s/c", "stop s/c", "stop s/b", "stop a"}
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestUnknownKind(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), &Tree{Root: sup("root", OneForOne, 1, &Node{Name: "x", Kind: "no.such"})}, WithLogger(quietLogger()))
	if err == nil || !errContains(err, `root/x: unknown kind "no.such"`) {
		t.Fatalf("Start() = %v", err)
	}
}

// TestShutdownOverrun: a child that does not stop within its shutdown is
// killed (Killer) and the overrun is reported naming it; brutal_kill kills
// at once.
func TestShutdownOverrun(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	a := worker(t, "a", Permanent, "hang_stop", true)
	a.Shutdown = Shutdown{Timeout: 3 * time.Second}
	b := worker(t, "b", Permanent, "hang_stop", true)
	b.Shutdown = Shutdown{BrutalKill: true}
	r := startTree(t, rec, sup("root", OneForOne, 1, a, b), WithClock(clock))

	stopped := make(chan error, 1)
	go func() { stopped <- r.Stop(context.Background()) }()
	rec.waitLog(t, "stop root/a", 1)
	clock.waitCreated(t, 1)
	clock.Advance(3 * time.Second)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	rec.waitLog(t, "killed root/a", 1)
	// brutal_kill does not wait for b, so only each child's own order is known.
	got := shortLog(rec.lines())
	for _, pair := range [][2]string{{"start b", "stop b"}, {"stop b", "killed b"}, {"stop a", "killed a"}} {
		i, j := slices.Index(got, pair[0]), slices.Index(got, pair[1])
		if i < 0 || j < i {
			t.Errorf("%q not before %q in %v", pair[0], pair[1], got)
		}
	}
	var overruns []string
	for _, ev := range rec.eventList() {
		if e, ok := ev.(*ShutdownOverrun); ok {
			overruns = append(overruns, e.Node)
		}
	}
	if !slices.Equal(overruns, []string{"root/a"}) {
		t.Errorf("overruns %v, want [root/a]", overruns)
	}
}

// TestWatchdog: a worker that reports no progress for its watchdog period is
// failed and restarted; progress keeps it alive.
func TestWatchdog(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	a := worker(t, "a", Permanent)
	a.Watchdog = 10 * time.Second
	startTree(t, rec, sup("root", OneForOne, 1, a), WithClock(clock))
	count := func() int {
		n := 0
		for _, ev := range rec.eventList() {
			if _, ok := ev.(*WatchdogFired); ok {
				n++
			}
		}
		return n
	}
	clock.waitCreated(t, 1)
	clock.Advance(5 * time.Second) // silent once
	clock.waitCreated(t, 2)
	rec.send("root/a", cmdProgress)
	rec.waitLog(t, "progress root/a", 1)
	clock.Advance(5 * time.Second) // progress seen: silence starts over
	clock.waitCreated(t, 3)
	clock.Advance(5 * time.Second) // silent once
	clock.waitCreated(t, 4)
	if n := count(); n != 0 {
		t.Fatalf("watchdog fired %d times despite progress", n)
	}
	clock.Advance(5 * time.Second) // silent twice: 10s without progress
	rec.waitEvent(t, "a restarted", 1, started("root/a", 1))
	if n := count(); n != 1 {
		t.Fatalf("watchdog fired %d times, want 1", n)
	}
}

// TestBackoff: restarts in a row of one child wait longer and longer, up to
// the maximum.
func TestBackoff(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	root := sup("root", OneForOne, 10, worker(t, "a", Permanent))
	root.Backoff = Backoff{Min: time.Second, Max: 4 * time.Second}
	startTree(t, rec, root, WithClock(clock))

	rec.send("root/a", cmdFail)
	rec.waitEvent(t, "first restart, at once", 1, started("root/a", 1))
	for i, delay := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		rec.send("root/a", cmdFail)
		rec.waitEvent(t, "backoff", i+1, func(ev Event) bool { _, ok := ev.(*BackoffWaiting); return ok })
		evs := rec.eventList()
		var last *BackoffWaiting
		for _, ev := range evs {
			if e, ok := ev.(*BackoffWaiting); ok {
				last = e
			}
		}
		if last.Delay != delay {
			t.Fatalf("backoff %d: delay %s, want %s", i+1, last.Delay, delay)
		}
		for _, ev := range evs {
			if started("root/a", i+2)(ev) {
				t.Fatalf("restart %d happened before its backoff", i+2)
			}
		}
		clock.waitTimer(t, delay)
		clock.Advance(delay)
		rec.waitEvent(t, "restart after backoff", 1, started("root/a", i+2))
	}
}

// TestCooldown: a supervisor that gave up starts its children again after
// its cool-down instead of failing.
func TestCooldown(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	root := sup("root", OneForOne, 0, worker(t, "a", Permanent), worker(t, "b", Permanent))
	root.Cooldown = 30 * time.Second
	r := startTree(t, rec, root, WithClock(clock))

	rec.send("root/b", cmdPanic)
	rec.waitEvent(t, "cooling down", 1, func(ev Event) bool { _, ok := ev.(*CooldownStarted); return ok })
	select {
	case <-r.Done():
		t.Fatal("the tree ended instead of cooling down")
	default:
	}
	clock.waitTimer(t, 30*time.Second)
	clock.Advance(30 * time.Second)
	rec.waitEvent(t, "b started again", 2, startedAny("root/b"))
	want := []string{"start a", "start b", "stop b", "stop a", "start a", "start b"}
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestDynamicChildren: StartChild, TerminateChild, RestartChild, DeleteChild.
func TestDynamicChildren(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := newRecorder(t)
	r := startTree(t, rec, sup("root", OneForOne, 5, worker(t, "a", Permanent), sup("s", OneForOne, 5)))
	mustOK := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(r.StartChild(ctx, "root/s", worker(t, "d", Permanent)))
	if err := r.StartChild(ctx, "root/s", worker(t, "d", Permanent)); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate StartChild: %v, want ErrExists", err)
	}
	if err := r.StartChild(ctx, "root/a", worker(t, "e", Permanent)); !errors.Is(err, ErrNotSupervisor) {
		t.Errorf("StartChild under a worker: %v, want ErrNotSupervisor", err)
	}
	if err := r.StartChild(ctx, "root/s", worker(t, "bad", Permanent, "fail_starts", 1)); err == nil {
		t.Error("StartChild of a child failing to start succeeded")
	}
	if state(r, "root/s/bad") != "" {
		t.Error("a child that failed to start was kept")
	}
	if err := r.DeleteChild(ctx, "root/s/d"); !errors.Is(err, ErrRunning) {
		t.Errorf("DeleteChild of a running child: %v, want ErrRunning", err)
	}
	mustOK(r.TerminateChild(ctx, "root/s/d"))
	if s := state(r, "root/s/d"); s != StateStopped {
		t.Errorf("after TerminateChild: %s", s)
	}
	mustOK(r.RestartChild(ctx, "root/s/d"))
	if s := state(r, "root/s/d"); s != StateRunning {
		t.Errorf("after RestartChild: %s", s)
	}
	mustOK(r.TerminateChild(ctx, "root/s/d"))
	mustOK(r.DeleteChild(ctx, "root/s/d"))
	if s := state(r, "root/s/d"); s != "" {
		t.Errorf("after DeleteChild: %s", s)
	}
	if err := r.TerminateChild(ctx, "root/s/d"); !errors.Is(err, ErrNoNode) {
		t.Errorf("TerminateChild of a deleted child: %v, want ErrNoNode", err)
	}
	// A temporary dynamic child that ends is forgotten.
	mustOK(r.StartChild(ctx, "root", worker(t, "tmp", Temporary)))
	rec.send("root/tmp", cmdExit)
	rec.waitEvent(t, "tmp exited", 1, exited("root/tmp"))
	mustOK(r.StartChild(ctx, "root", worker(t, "tmp", Temporary))) // the name is free again
	want := []string{"start a", "start s/d", "startfail s/bad", "stop s/bad", "stop s/d", "start s/d", "stop s/d",
		"start tmp", "stop tmp", "start tmp"}
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func state(r *Running, path string) NodeState {
	for _, st := range r.Inspect() {
		if st.Path == path {
			return st.State
		}
	}
	return ""
}

// TestApply: a reload stops removed nodes, restarts changed ones, starts new
// ones and leaves the rest alone.
func TestApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := newRecorder(t)
	r := startTree(t, rec, sup("root", OneForOne, 5,
		worker(t, "a", Permanent), worker(t, "b", Permanent), sup("c", OneForOne, 5, worker(t, "x", Permanent))))

	next := sup("root", RestForOne, 7,
		worker(t, "a", Permanent, "goroutine", true),                                 // changed
		sup("c", OneForOne, 5, worker(t, "x", Permanent), worker(t, "y", Permanent)), // grows
		worker(t, "d", Permanent))                                                    // new; b is gone
	if err := r.Apply(ctx, &Tree{Root: next}); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, st := range r.Inspect() {
		paths = append(paths, st.Path+"="+string(st.State))
	}
	wantPaths := []string{"root=running", "root/a=running", "root/c=running", "root/c/x=running", "root/c/y=running", "root/d=running"}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("Inspect after Apply: %v\nwant %v", paths, wantPaths)
	}
	// The new strategy (rest_for_one) is in force.
	rec.send("root/a", cmdFail)
	rec.waitEvent(t, "d restarted", 2, startedAny("root/d"))
	if err := r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// a's goroutine (actors.Go) ended with each incarnation, before the
	// stop returned.
	if n := strings.Count(strings.Join(rec.lines(), "\n"), "goroutine done root/a"); n != 2 {
		t.Errorf("a's goroutine ended %d times, want 2 (restart and stop)", n)
	}
	want := []string{"start a", "start b", "start c/x", // first start
		"stop b", "stop a", "start a", "start d", "start c/y", // the reload
		"stop a", "stop d", "stop c/y", "stop c/x", "start a", "start c/x", "start c/y", "start d", // rest_for_one
		"stop d", "stop c/y", "stop c/x", "stop a"} // the new order, reversed
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func errContains(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}

// TestWatchdogKillsHungWorker: a worker stuck in its Receive is failed by
// its watchdog, cannot handle the stop, is killed when its shutdown runs
// out, and is replaced by a new incarnation.
func TestWatchdogKillsHungWorker(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	a := worker(t, "a", Permanent)
	a.Watchdog = 10 * time.Second
	a.Shutdown = Shutdown{Timeout: 2 * time.Second}
	startTree(t, rec, sup("root", OneForOne, 1, a), WithClock(clock))
	clock.waitCreated(t, 1) // the watchdog is armed
	rec.send("root/a", cmdHang)
	rec.waitLog(t, "hang root/a", 1)
	for i := 2; i <= 3; i++ { // the hang message counts as progress once
		clock.Advance(5 * time.Second)
		clock.waitCreated(t, i)
	}
	clock.Advance(5 * time.Second) // silent for 10s: fired, stop sent
	rec.waitEvent(t, "watchdog", 1, func(ev Event) bool { _, ok := ev.(*WatchdogFired); return ok })
	clock.waitTimer(t, 2*time.Second)
	clock.Advance(2 * time.Second)
	rec.waitEvent(t, "a replaced", 1, started("root/a", 1))
	evs := rec.eventList()
	if !slices.ContainsFunc(evs, func(ev Event) bool { e, ok := ev.(*ShutdownOverrun); return ok && e.Node == "root/a" }) {
		t.Error("no ShutdownOverrun for the hung worker")
	}
	rec.waitLog(t, "stop root/a", 1) // the killed incarnation got unstuck and stopped
}
