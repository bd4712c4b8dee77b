package supervision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// The scriptable fake child: a worker kind whose incarnations record their
// start and stop in a per-test recorder and obey commands sent to them.

// fakeCmd tells a fake child what to do.
type fakeCmd string

const (
	cmdExit     fakeCmd = "exit"     // stop normally
	cmdFail     fakeCmd = "fail"     // actors.Fail
	cmdPanic    fakeCmd = "panic"    // panic
	cmdGoFail   fakeCmd = "gofail"   // a goroutine started with actors.Go returns an error
	cmdHang     fakeCmd = "hang"     // block the mailbox until killed
	cmdReady    fakeCmd = "ready"    // actors.SignalReady (test.manual kind)
	cmdProgress fakeCmd = "progress" // actors.ReportProgress
	cmdPeer     fakeCmd = "peer"     // log the current PID of the sibling named by `peer`
)

var fakeSpec = actors.NewSpec().
	Field(actors.String("rec").Required().Description("recorder name: the test's")).
	Field(actors.Int("fail_starts").Description("fail this many starts first")).
	Field(actors.Bool("hang_stop").Description("block in Stopping until killed")).
	Field(actors.Bool("goroutine").Description("run a goroutine that waits for the stop")).
	Field(actors.Sibling("peer").Description("a sibling to look up"))

func init() {
	actors.Register(actors.Kind{Name: "test.fake", Summary: "scriptable fake child", Spec: fakeSpec, New: newFake})
	actors.Register(actors.Kind{Name: "test.manual", Summary: "fake child that says when it is ready", Spec: fakeSpec, New: newFake, SignalsReady: true})
}

type fake struct {
	cfg      *actors.Config
	rec      *recorder
	path     string
	failN    int
	hangStop bool
	useGo    bool
	killed   chan struct{}
	killOnce sync.Once
}

func newFake(cfg *actors.Config) (actor.Actor, error) {
	rec := recorderFor(cfg.String("rec"))
	if rec == nil {
		return nil, fmt.Errorf("no recorder %q", cfg.String("rec"))
	}
	return &fake{cfg: cfg, rec: rec, path: cfg.Env().Path(), failN: cfg.Int("fail_starts"), hangStop: cfg.Bool("hang_stop"),
		useGo: cfg.Bool("goroutine"), killed: make(chan struct{})}, nil
}

func (f *fake) Kill() { f.killOnce.Do(func() { close(f.killed) }) }

func (f *fake) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		if f.rec.startAttempt(f.path) <= f.failN {
			f.rec.add("startfail " + f.path)
			actors.Fail(ctx, errors.New("start refused"))
		}
		f.rec.add("start " + f.path)
		f.rec.setPID(f.path, ctx.ActorSystem(), ctx.Self())
		if f.useGo {
			actors.Go(ctx, func(c context.Context) error { <-c.Done(); f.rec.add("goroutine done " + f.path); return c.Err() })
		}
	case *actor.Stopping:
		f.rec.add("stop " + f.path)
		if f.hangStop {
			<-f.killed
			f.rec.add("killed " + f.path)
		}
	case fakeCmd:
		switch m {
		case cmdExit:
			actors.StopNormal(ctx)
		case cmdFail:
			actors.Fail(ctx, errors.New("told to fail"))
		case cmdPanic:
			panic("told to panic")
		case cmdGoFail:
			actors.Go(ctx, func(context.Context) error { return errors.New("goroutine failed") })
		case cmdHang:
			f.rec.add("hang " + f.path)
			<-f.killed
		case cmdReady:
			actors.SignalReady(ctx)
		case cmdPeer:
			id := "none"
			if pid := f.cfg.SiblingPID("peer"); pid != nil {
				id = pid.Id
			}
			f.rec.add("peer " + id)
		case cmdProgress:
			actors.ReportProgress(ctx)
			f.rec.add("progress " + f.path)
		}
	}
}

// recorder collects what the fake children of one test did and the
// events of its tree, and lets the test wait for a condition.
type recorder struct {
	mu      sync.Mutex
	cond    *sync.Cond
	log     []string
	events  []Event
	pids    map[string]*actor.PID
	sys     *actor.ActorSystem
	attempt map[string]int
}

var recorders sync.Map

func newRecorder(t *testing.T) *recorder {
	r := &recorder{pids: map[string]*actor.PID{}, attempt: map[string]int{}}
	r.cond = sync.NewCond(&r.mu)
	recorders.Store(t.Name(), r)
	t.Cleanup(func() { recorders.Delete(t.Name()) })
	return r
}

func recorderFor(name string) *recorder {
	r, _ := recorders.Load(name)
	rec, _ := r.(*recorder)
	return rec
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.cond.Broadcast()
	r.mu.Unlock()
}

func (r *recorder) hook(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.cond.Broadcast()
	r.mu.Unlock()
}

func (r *recorder) startAttempt(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempt[path]++
	return r.attempt[path]
}

func (r *recorder) setPID(path string, sys *actor.ActorSystem, pid *actor.PID) {
	r.mu.Lock()
	r.pids[path], r.sys = pid, sys
	r.mu.Unlock()
}

// send gives the current incarnation of the fake at path a command.
func (r *recorder) send(path string, cmd fakeCmd) {
	r.mu.Lock()
	pid, sys := r.pids[path], r.sys
	r.mu.Unlock()
	sys.Root.Send(pid, cmd)
}

func (r *recorder) eventList() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// waitEvent waits until an event satisfying ok was seen (n-th such event).
func (r *recorder) waitEvent(t *testing.T, what string, n int, ok func(Event) bool) {
	t.Helper()
	r.waitFor(t, what, func() bool {
		seen := 0
		for _, ev := range r.events {
			if ok(ev) {
				seen++
			}
		}
		return seen >= n
	})
}

// waitLog waits until line was logged n times.
func (r *recorder) waitLog(t *testing.T, line string, n int) {
	t.Helper()
	r.waitFor(t, line, func() bool {
		seen := 0
		for _, l := range r.log {
			if l == line {
				seen++
			}
		}
		return seen >= n
	})
}

// waitFor waits for cond (called with the lock held). The deadline only
// guards against a hung test; it asserts nothing about speed.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	stop := time.AfterFunc(time.Until(deadline), func() { r.mu.Lock(); r.cond.Broadcast(); r.mu.Unlock() })
	defer stop.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; log: %s", what, strings.Join(r.log, ", "))
		}
		r.cond.Wait()
	}
}

func started(path string, restarts int) func(Event) bool {
	return func(ev Event) bool {
		e, ok := ev.(*ChildStarted)
		return ok && e.Node == path && e.Restarts == restarts
	}
}

func startedAny(path string) func(Event) bool {
	return func(ev Event) bool { e, ok := ev.(*ChildStarted); return ok && e.Node == path }
}

func exited(path string) func(Event) bool {
	return func(ev Event) bool { e, ok := ev.(*ChildExited); return ok && e.Node == path }
}

// worker builds a fake worker node recording into t's recorder.
func worker(t *testing.T, name string, r Restart, with ...any) *Node {
	vals := map[string]any{"rec": t.Name()}
	for i := 0; i+1 < len(with); i += 2 {
		vals[with[i].(string)] = with[i+1]
	}
	return &Node{Name: name, Kind: "test.fake", Restart: r, With: actors.NewConfig(fakeSpec, vals)}
}

func sup(name string, s Strategy, intensity int, children ...*Node) *Node {
	return &Node{Name: name, Strategy: s, Intensity: intensity, Period: DefaultPeriod, Children: children}
}

// startTree starts root with the recorder's hook and a discarding logger,
// and makes sure it is stopped at the end of the test.
func startTree(t *testing.T, rec *recorder, root *Node, opts ...Option) *Running {
	t.Helper()
	opts = append([]Option{WithEventHook(rec.hook), WithLogger(quietLogger())}, opts...)
	r, err := Start(context.Background(), &Tree{Root: root}, opts...)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		// Bounded: after a failed test a hung fake may never stop.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}
