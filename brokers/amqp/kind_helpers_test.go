package amqp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// Helpers of the actor-kind tests (kind_*_test.go): a supervision tree
// runner, and the messages a transfer must carry unchanged.

// kindLog is the tree's logger; BRICKS_TEST_LOG=1 shows it.
func kindLog() *slog.Logger {
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// checkLeaks fails t if a goroutine started during the test outlives it.
func checkLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// events counts, by node name, the restarts after an abnormal exit and the
// normal exits of a running tree.
type events struct {
	mu       sync.Mutex
	failures map[string]int
	normal   map[string]int
}

func (e *events) hook(ev supervision.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch x := ev.(type) {
	case *supervision.ChildRestarted:
		if x.Exit != supervision.ExitNormal {
			e.failures[path.Base(x.Node)]++
		}
	case *supervision.ChildExited:
		if x.Exit == supervision.ExitNormal {
			e.normal[path.Base(x.Node)]++
		}
	}
}

// failed returns how many times node failed.
func (e *events) failed(node string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failures[node]
}

// stopped returns how many times node ended normally.
func (e *events) stopped(node string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.normal[node]
}

// runTree loads and starts a tree on its own actor system, and stops it when
// the test ends. The dead-letter throttle is shortened so that its timer
// goroutine is gone by the leak check.
func runTree(t *testing.T, yaml string) *events {
	t.Helper()
	tree, err := supervision.LoadBytes(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	log := kindLog()
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ev := &events{failures: map[string]int{}, normal: map[string]int{}}
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
	return ev
}

// testMessage is the i-th message of a transfer: text with unicode, binary
// with NUL and invalid-UTF-8 bytes, or text with unicode and punctuation in
// header names and values, each with a "seq" header to recognise it.
func testMessage(i int) *queue.Message {
	h := map[string]string{"seq": strconv.Itoa(i)}
	switch i % 3 {
	case 0:
		h["note"] = "héllo wörld ✓ 日本語"
		return queue.NewText(fmt.Sprintf("message %d: ünïcödé ✓ 🚀", i), h)
	case 1:
		body := []byte{0, 1, 2, 0xff, 0xfe, 0, 'x', byte(i), byte(i >> 8), 0}
		return queue.NewBinary(body, h)
	default:
		h["tricky"] = `colon:back\slash`
		h["ключ"] = "значение"
		return queue.NewText(fmt.Sprintf("line one\nline two %d", i), h)
	}
}

// openDQS opens the DQS queue at dir.
func openDQS(t *testing.T, dir string) *queue.DQS {
	t.Helper()
	q, err := queue.NewDQS(dir, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// fillQueue adds msgs to the DQS queue at dir.
func fillQueue(t *testing.T, dir string, msgs ...*queue.Message) {
	t.Helper()
	q := openDQS(t, dir)
	for _, m := range msgs {
		if _, err := q.AddMessage(m); err != nil {
			t.Fatal(err)
		}
	}
}

// testMessages returns messages 0..n-1.
func testMessages(n int) []*queue.Message {
	ms := make([]*queue.Message, n)
	for i := range ms {
		ms[i] = testMessage(i)
	}
	return ms
}

// queueCount returns the number of elements in the DQS queue at dir.
func queueCount(t *testing.T, dir string) int {
	t.Helper()
	n, err := openDQS(t, dir).Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readQueue returns the messages of the DQS queue at dir by "seq" header.
func readQueue(t *testing.T, dir string) map[int][]*queue.Message {
	t.Helper()
	q := openDQS(t, dir)
	got := map[int][]*queue.Message{}
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		m, err := q.GetMessage(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
		seq, err := strconv.Atoi(m.Header["seq"])
		if err != nil {
			t.Fatalf("element %s has no seq header: %v", name, m.Header)
		}
		got[seq] = append(got[seq], m)
	}
	return got
}

// quarantined returns the reasons of the elements moved aside in the DQS
// queue at dir.
func quarantined(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, queue.QuarantineDir, "*.reason"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, string(b))
	}
	return reasons
}

// waitUntil polls cond until it holds; it fails the test after a generous
// deadline, which detects a hang, not a slowness.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkArrived asserts that messages 0..n-1 all arrived, each identical to
// what was sent (same body bytes, same text flag, every header kept; the
// broker may add its own, e.g. RabbitMQ's subject), and returns how many
// duplicates arrived.
func checkArrived(t *testing.T, got map[int][]*queue.Message, n int) (dups int) {
	t.Helper()
	lost := 0
	for i := range n {
		ms := got[i]
		if len(ms) == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("message %d lost", i)
			}
			continue
		}
		dups += len(ms) - 1
		want := testMessage(i)
		for _, m := range ms {
			if !bytes.Equal(m.Body, want.Body) || m.Text != want.Text {
				t.Errorf("message %d changed: body %q text %v, want %q text %v", i, m.Body, m.Text, want.Body, want.Text)
			}
			for _, k := range slices.Sorted(maps.Keys(want.Header)) {
				if m.Header[k] != want.Header[k] {
					t.Errorf("message %d header %q = %q, want %q", i, k, m.Header[k], want.Header[k])
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d messages lost", lost, n)
	}
	if extra := len(got) - n + lost; extra > 0 {
		t.Errorf("%d unexpected messages arrived", extra)
	}
	return dups
}
