package command

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/actors"
)

// testEnv is the node environment a tree would give: a path and a logger
// tagged with it.
type testEnv struct {
	path string
	log  *slog.Logger
}

func (e testEnv) Path() string                       { return e.path }
func (e testEnv) Logger() *slog.Logger               { return e.log }
func (e testEnv) Sibling(string) *actor.PID          { return nil }
func (e testEnv) with(l *slog.Logger) testEnv        { e.log = l.With("node", e.path); return e }
func newTestEnv(path string, l *slog.Logger) testEnv { return testEnv{path: path}.with(l) }

// decodeWith decodes a `with:` block written in YAML against the kind's
// spec and runs the kind's Validate, as the tree loader does.
func decodeWith(t *testing.T, src string) (*actors.Config, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	k, ok := actors.Lookup(KindName)
	if !ok {
		t.Fatal("kind command not registered")
	}
	cfg, err := actors.Decode("test.yaml", doc.Content[0], k.Spec, actors.DecodeOptions{Path: "with"})
	if err != nil {
		return nil, err
	}
	return cfg, k.Validate(cfg)
}

// Events a probe parent sees from its command child.
type (
	failure struct{ reason any }
)

// probe is a parent actor standing in for a supervisor: it spawns the
// child, forwards what happens to it on a channel, and stops a failed child
// instead of restarting it.
type probe struct {
	props  *actor.Props
	events chan any
	child  *actor.PID
}

type stopChild struct{}

var _ actor.SupervisorStrategy = (*probe)(nil)

func (p *probe) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.child = ctx.Spawn(p.props)
	case *actors.Ready, *actor.Terminated:
		p.events <- m
	case stopChild:
		ctx.Stop(p.child)
	}
}

// HandleFailure implements actor.SupervisorStrategy for the probe's child.
func (p *probe) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason any, _ any) {
	p.events <- failure{reason}
	sup.StopChildren(child)
}

// harness runs one command actor under a probe.
type harness struct {
	t      *testing.T
	rec    *recorder
	sys    *actor.ActorSystem
	parent *actor.PID
	events chan any

	mu      sync.Mutex
	wrapped []*actors.Wrapped // every incarnation built
}

// spawnCommand decodes the `with:` YAML and runs a command actor built by
// actors.Props under a probe.
func spawnCommand(t *testing.T, with string) *harness {
	t.Helper()
	return spawn(t, with, false)
}

// spawnKillable is spawnCommand with the actor built by actors.New, as
// actors.Props does, keeping its incarnations so that the test can Kill
// them as a supervisor would.
func spawnKillable(t *testing.T, with string) *harness {
	t.Helper()
	return spawn(t, with, true)
}

func spawn(t *testing.T, with string, keep bool) *harness {
	t.Helper()
	cfg, err := decodeWith(t, with)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h := &harness{t: t, rec: newRecorder(), events: make(chan any, 100)}
	cfg = cfg.WithEnv(newTestEnv("tree/cmd", h.rec.logger()))
	k, _ := actors.Lookup(KindName)
	props := actors.Props(k, cfg)
	if keep {
		props = actor.PropsFromProducer(func() actor.Actor {
			w := actors.New(k, cfg)
			h.mu.Lock()
			h.wrapped = append(h.wrapped, w)
			h.mu.Unlock()
			return w
		})
	}
	h.sys = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return h.rec.logger() }))
	h.parent = h.sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &probe{props: props, events: h.events} }))
	t.Cleanup(func() { h.sys.Root.StopFuture(h.parent).Wait() })
	return h
}

// next returns the next event, failing after patience.
func (h *harness) next() any {
	h.t.Helper()
	select {
	case e := <-h.events:
		return e
	case <-time.After(patience):
		h.t.Fatalf("no event from the command actor within %v; log:\n%s", patience, h.rec.dump())
		return nil
	}
}

// expectReady waits for the Ready signal.
func (h *harness) expectReady() {
	h.t.Helper()
	if e, ok := h.next().(*actors.Ready); !ok {
		h.t.Fatalf("got %#v, want Ready; log:\n%s", e, h.rec.dump())
	}
}

// expectFailure waits for the child's failure and returns its reason.
func (h *harness) expectFailure() error {
	h.t.Helper()
	for {
		switch e := h.next().(type) {
		case failure:
			err, ok := e.reason.(error)
			if !ok {
				h.t.Fatalf("failure reason %#v is not an error", e.reason)
			}
			return err
		case *actors.Ready:
			continue
		default:
			h.t.Fatalf("got %#v, want a failure; log:\n%s", e, h.rec.dump())
		}
	}
}

// expectTerminated waits for the child's end; a failure before it is fatal.
func (h *harness) expectTerminated() {
	h.t.Helper()
	for {
		switch e := h.next().(type) {
		case *actor.Terminated:
			return
		case *actors.Ready:
			continue
		default:
			h.t.Fatalf("got %#v, want Terminated; log:\n%s", e, h.rec.dump())
		}
	}
}

// expectQuiet asserts nothing happens during a short while, for states that
// must hold (not a speed check: a correct program passes however slow).
func (h *harness) expectQuiet(what string) {
	h.t.Helper()
	select {
	case e := <-h.events:
		h.t.Fatalf("%s: unexpected %#v; log:\n%s", what, e, h.rec.dump())
	case <-time.After(300 * time.Millisecond):
	}
}

func (h *harness) stop() { h.sys.Root.Send(h.parent, stopChild{}) }

// lastIncarnation returns the most recently built actor.
func (h *harness) lastIncarnation() *actors.Wrapped {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wrapped[len(h.wrapped)-1]
}

// startedPid returns the pid logged by "command started".
func (h *harness) startedPid() int {
	h.t.Helper()
	r := h.rec.waitFor(h.t, "command started", msgIs("command started"))
	pid, err := strconv.Atoi(r.Attrs["pid"])
	if err != nil {
		h.t.Fatalf("command started without a pid: %v", r.Attrs)
	}
	return pid
}

func testdata(name string) string {
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return p
}

func TestOwnedExitZeroIsNormalExit(t *testing.T) {
	h := spawnCommand(t, "run: ["+testdata("exit0.sh")+"]")
	h.expectReady()
	h.expectTerminated()
	r := h.rec.waitFor(t, "job done", msgIs("job done"))
	if r.Attrs["node"] != "tree/cmd" || r.Attrs["stream"] != "stdout" || r.Level != slog.LevelInfo {
		t.Errorf("output logged as %v %v, want INFO with node=tree/cmd stream=stdout", r.Level, r.Attrs)
	}
	h.rec.waitFor(t, "normal exit", msgIs("command exited normally"))
}

func TestOwnedNonZeroExitIsFailure(t *testing.T) {
	h := spawnCommand(t, "run: ["+testdata("exit1.sh")+"]")
	err := h.expectFailure()
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Status.Code != 1 {
		t.Fatalf("reason = %v, want an ExitError with code 1", err)
	}
	r := h.rec.waitFor(t, "stderr line", msgIs("something went wrong"))
	if r.Attrs["stream"] != "stderr" {
		t.Errorf("stderr line logged with %v", r.Attrs)
	}
	h.expectTerminated()
}

func TestOwnedSignalIsFailure(t *testing.T) {
	h := spawnCommand(t, "run: [sleep, '300']")
	h.expectReady()
	pid := h.startedPid()
	syscall.Kill(pid, syscall.SIGKILL) // killed from outside
	var ee *ExitError
	if err := h.expectFailure(); !errors.As(err, &ee) || ee.Status.Signal != syscall.SIGKILL {
		t.Fatalf("reason = %v, want killed by SIGKILL", err)
	}
	h.expectTerminated()
}

func TestOwnedStopTerminatesGroup(t *testing.T) {
	h := spawnCommand(t, "run: [sh, -c, 'sleep 300 & sleep 300']")
	h.expectReady()
	pid := h.startedPid()
	h.stop()
	h.expectTerminated()
	waitGroupGone(t, pid)
	r := h.rec.waitFor(t, "command stopped", msgIs("command stopped"))
	if !strings.Contains(r.Attrs["exit"], "terminated") {
		t.Errorf("stopped with %v, want killed by SIGTERM", r.Attrs)
	}
}

func TestOwnedKillAfterIgnoredTerm(t *testing.T) {
	h := spawnKillable(t, "run: ["+testdata("ignoreterm.sh")+"]")
	h.expectReady()
	pid := h.startedPid()
	h.rec.waitFor(t, "trap set", msgIs("ignoring TERM"))
	h.stop()
	h.rec.waitFor(t, "stopping", msgIs("stopping command"))
	h.expectQuiet("after SIGTERM to a program that ignores it")
	if !processAlive(pid) {
		t.Fatal("program ignoring TERM is gone")
	}
	// What the supervisor does once `shutdown` expired; Kill must be safe
	// from any goroutine, any number of times.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); h.lastIncarnation().Kill() }()
	}
	wg.Wait()
	h.expectTerminated()
	waitGroupGone(t, pid)
	r := h.rec.waitFor(t, "command stopped", msgIs("command stopped"))
	if !strings.Contains(r.Attrs["exit"], "killed") {
		t.Errorf("stopped with %v, want killed by SIGKILL", r.Attrs)
	}
}

func TestOwnedReadyCheck(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "up")
	h := spawnCommand(t, "run: [sleep, '300']\nready: [test, -e, "+flag+"]\nready_interval: 20ms")
	pid := h.startedPid()
	h.expectQuiet("before the ready check passes")
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.expectReady()
	h.stop()
	h.expectTerminated()
	waitGroupGone(t, pid)
}

func TestOwnedReadyTimeoutFails(t *testing.T) {
	h := spawnCommand(t, "run: [sleep, '300']\nready: ['false']\nready_timeout: 200ms\nready_interval: 20ms")
	pid := h.startedPid()
	err := h.expectFailure()
	if !strings.Contains(err.Error(), "not reached within 200ms") {
		t.Fatalf("reason = %v, want a ready timeout", err)
	}
	h.expectTerminated()
	waitGroupGone(t, pid)
}

func TestOwnedStartFailure(t *testing.T) {
	h := spawnCommand(t, "run: [/nonexistent/program]")
	if err := h.expectFailure(); !strings.Contains(err.Error(), "/nonexistent/program") {
		t.Fatalf("reason = %v, want the missing program named", err)
	}
	h.expectTerminated()
}
