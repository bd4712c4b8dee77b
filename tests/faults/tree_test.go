package faults

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	_ "github.com/bricksmq/bricks/brokers/amqp"  // amqp.sender, amqp.receiver
	_ "github.com/bricksmq/bricks/brokers/stomp" // stomp.sender, stomp.receiver
	"github.com/bricksmq/bricks/internal/kindtest"
	_ "github.com/bricksmq/bricks/queue" // queue.reader, queue.writer
	"github.com/bricksmq/bricks/supervision"
)

// recorder keeps what a running tree reported: the reasons of every
// abnormal restart by node, and the log (also on stderr with
// BRICKS_TEST_LOG=1), so tests can check what an operator would read.
type recorder struct {
	mu          sync.Mutex
	restarts    map[string][]error // reasons of abnormal exits followed by a restart
	startFailed map[string][]error // reasons of failed (re)starts
	log         bytes.Buffer
}

func (r *recorder) hook(ev supervision.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch x := ev.(type) {
	case *supervision.ChildRestarted:
		if x.Exit != supervision.ExitNormal {
			r.restarts[path.Base(x.Node)] = append(r.restarts[path.Base(x.Node)], x.Reason)
		}
	case *supervision.StartFailed:
		r.startFailed[path.Base(x.Node)] = append(r.startFailed[path.Base(x.Node)], x.Reason)
	}
}

// Write implements io.Writer for the log handler.
func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.Write(b)
}

// failures returns the reasons of node's abnormal restarts so far.
func (r *recorder) failures(node string) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.restarts[node]...)
}

// startFailures returns the reasons of node's failed starts so far.
func (r *recorder) startFailures(node string) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.startFailed[node]...)
}

// stageFailures is the number of abnormal restarts and failed starts of
// the broker stages.
func (r *recorder) stageFailures() int {
	n := 0
	for _, node := range []string{"sender", "receiver"} {
		n += len(r.failures(node)) + len(r.startFailures(node))
	}
	return n
}

// logLines returns the log lines holding every one of words.
func (r *recorder) logLines(words ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, l := range strings.Split(r.log.String(), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all && l != "" {
			out = append(out, l)
		}
	}
	return out
}

// runTree starts the tree yaml (see startTree) and fails t if it does not
// start within a minute.
func runTree(t testing.TB, yaml string) (*supervision.Running, *recorder) {
	t.Helper()
	run, rec, err := startTree(t, yaml, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return run, rec
}

// startTree loads and starts the tree yaml on its own actor system, with a
// recorder, waiting at most timeout for it to start; a tree that started is
// stopped when the test ends, after checking that it did not end by itself
// (it must heal, not give up).
func startTree(t testing.TB, yaml string, timeout time.Duration) (*supervision.Running, *recorder, error) {
	t.Helper()
	tree, err := supervision.LoadBytes(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{restarts: map[string][]error{}, startFailed: map[string][]error{}}
	var w io.Writer = rec
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		w = io.MultiWriter(rec, os.Stderr)
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	quiet := kindtest.Log() // protoactor's own chatter
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log), supervision.WithActorSystem(sys),
		supervision.WithEventHook(rec.hook))
	if err != nil {
		sys.Shutdown()
		return nil, rec, err
	}
	t.Cleanup(func() {
		select {
		case <-run.Done():
			t.Errorf("the tree ended by itself: %v", run.Wait())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := run.Stop(ctx); err != nil {
			t.Errorf("stopping the tree: %v", err)
		}
		sys.Shutdown()
	})
	return run, rec, nil
}
