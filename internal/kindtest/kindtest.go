// Package kindtest holds the helpers of the broker actor-kind tests
// (brokers/amqp, brokers/stomp): running a supervision tree on its own actor
// system and counting its stages' failures, the messages a transfer must
// carry unchanged (text with unicode, binary with NUL bytes, unicode and
// punctuation in headers), directory-queue checks (what arrived, what is
// left, what was moved aside), a transfer tree queue -> sender -> broker ->
// receiver -> queue (Pipeline), the check that a bad `with:` is refused
// (ConfigError), a destination stage the test scripts (ScriptKind) and a
// proxy that cuts connections or goes down (Proxy). It lives outside
// brokers/ because it imports supervision, which the broker packages must
// not.
package kindtest

import (
	"context"
	"log/slog"
	"os"
	"path"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/supervision"
)

// Log is the trees' logger: silent, or debug on stderr with
// BRICKS_TEST_LOG=1.
func Log() *slog.Logger {
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// CheckLeaks fails t if a goroutine started during the test outlives it.
func CheckLeaks(t testing.TB) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// Events counts, by node name, the restarts after an abnormal exit and the
// normal exits of a running tree, and keeps the reasons of the failures.
type Events struct {
	mu       sync.Mutex
	failures map[string]int
	normal   map[string]int
	reasons  map[string][]error
}

func (e *Events) hook(ev supervision.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch x := ev.(type) {
	case *supervision.ChildRestarted:
		if x.Exit != supervision.ExitNormal {
			e.failures[path.Base(x.Node)]++
			if x.Reason != nil && len(e.reasons[path.Base(x.Node)]) < maxReasons {
				e.reasons[path.Base(x.Node)] = append(e.reasons[path.Base(x.Node)], x.Reason)
			}
		}
	case *supervision.ChildExited:
		if x.Exit == supervision.ExitNormal {
			e.normal[path.Base(x.Node)]++
		}
	}
}

// Failed returns how many times node failed (and was restarted).
func (e *Events) Failed(node string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failures[node]
}

// maxReasons bounds the failure reasons kept per node (a node failing in a
// loop would otherwise grow the list without end).
const maxReasons = 100

// Reasons returns why node failed, oldest first (at most the first 100).
func (e *Events) Reasons(node string) []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.reasons[node])
}

// Stopped returns how many times node ended normally.
func (e *Events) Stopped(node string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.normal[node]
}

// RunTree loads and starts the tree described by yaml on its own actor
// system, and stops it when the test ends. The dead-letter throttle is
// shortened so that its timer goroutine is gone by the leak check.
func RunTree(t testing.TB, yaml string) (*supervision.Running, *Events) {
	t.Helper()
	tree, err := supervision.LoadBytes(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	log := Log()
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ev := &Events{failures: map[string]int{}, normal: map[string]int{}, reasons: map[string][]error{}}
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log), supervision.WithActorSystem(sys),
		supervision.WithEventHook(ev.hook))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := run.Stop(ctx); err != nil {
			t.Errorf("stopping the tree: %v", err)
		}
		sys.Shutdown()
	})
	return run, ev
}

// WaitUntil polls cond until it holds; it fails the test after a generous
// deadline, which detects a hang, not a slowness.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RunUntil runs the tree described by yaml (on the default actor system,
// as a benchmark wants) until done delivers or is closed, stops it, and
// returns what came (a tree that ends first fails the test). It is the
// frame of the benchmarks that time a tree moving b.N messages.
func RunUntil[T any](tb testing.TB, yaml string, done <-chan T) T {
	tb.Helper()
	tree, err := supervision.LoadBytes(tb.Name()+".yaml", []byte(yaml))
	if err != nil {
		tb.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tree, supervision.WithLogger(Log()))
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Stop(context.Background())
	select {
	case v := <-done:
		return v
	case <-r.Done():
		tb.Fatalf("the tree ended early: %v", r.Wait())
	case <-time.After(5 * time.Minute): // a hang, not a speed
		tb.Fatal("the tree did not finish within 5 minutes")
	}
	var zero T
	return zero
}
