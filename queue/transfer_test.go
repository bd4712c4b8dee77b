package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// flakyFails counts the failures of the test.flaky stage, which stores like
// queue.writer but crashes before confirming every failEvery-th message.
var flakyFails atomic.Int64

func init() {
	actors.Register(actors.Kind{
		Name:    "transfertest.flaky",
		Summary: "stores messages like queue.writer but crashes before confirming every fail_every-th one",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required()).
			Field(actors.Int("fail_every").Default(7)),
		New: func(cfg *actors.Config) (actor.Actor, error) {
			q, err := queue.NewDQS(cfg.String("path"), queue.DQSOptions{})
			if err != nil {
				return nil, err
			}
			n := 0
			return actor.ReceiveFunc(func(ctx actor.Context) {
				d, ok := ctx.Message().(*queue.Deliver)
				if !ok {
					return
				}
				if _, err := q.AddMessage(d.Message); err != nil {
					actors.Fail(ctx, err)
				}
				n++
				if n%cfg.Int("fail_every") == 0 {
					flakyFails.Add(1)
					actors.Fail(ctx, fmt.Errorf("injected failure after storing %s", d.ID))
				}
				queue.Answer(ctx, ctx.Sender(), d.ID, nil)
			}), nil
		},
	})
}

func fill(t *testing.T, path string, n int) {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := q.AddMessage(queue.NewText(fmt.Sprintf("message %d", i), map[string]string{"seq": fmt.Sprint(i)})); err != nil {
			t.Fatal(err)
		}
	}
}

// seqs returns how many times each "seq" header occurs in the queue.
func seqs(t *testing.T, path string) map[string]int {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
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
		seen[m.Header["seq"]]++
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
	}
	return seen
}

func runTree(t *testing.T, yaml string) *supervision.Running {
	t.Helper()
	tree, err := supervision.LoadBytes("transfer.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Stop(context.Background()) })
	return run
}

// waitDrained waits until the source queue is empty, failing the test after
// a generous deadline (a hang, not a speed check).
func waitDrained(t *testing.T, src string) {
	t.Helper()
	q, err := queue.NewDQS(src, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := q.Count()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("source %s still holds %d elements", src, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkArrivedOnce fails t unless the queue at dst holds n distinct
// messages, each once.
func checkArrivedOnce(t *testing.T, dst string, n int) {
	t.Helper()
	got := seqs(t, dst)
	if len(got) != n {
		t.Fatalf("destination holds %d distinct messages, want %d", len(got), n)
	}
	for seq, c := range got {
		if c != 1 {
			t.Errorf("message %s arrived %d times, want once", seq, c)
		}
	}
}

// drainTree is a queue-to-queue transfer that ends when src is drained.
func drainTree(dst, src string, window int) string {
	return q2qTree(dst, src, fmt.Sprintf("window: %d, loop: false", window), false)
}

// q2qTree is a queue.reader of src (with readerWith settings) into a
// queue.writer of dst. With ends, the reader's end ends the tree and no
// restart is allowed.
func q2qTree(dst, src, readerWith string, ends bool) string {
	treeFlags, readerFlags := "", ""
	if ends {
		treeFlags, readerFlags = "intensity: 0\nauto_shutdown: any_significant\n", "    significant: true\n"
	}
	return fmt.Sprintf(`
name: q2q
strategy: rest_for_one
%schildren:
  - name: writer
    kind: queue.writer
    with: {path: %q}
  - name: reader
    kind: queue.reader
    restart: transient
%s    with: {path: %q, to: writer, %s}
`, treeFlags, dst, readerFlags, src, readerWith)
}

func TestTransferQueueToQueue(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 500
	fill(t, src, n)
	runTree(t, drainTree(dst, src, 16))
	waitDrained(t, src)
	checkArrivedOnce(t, dst, n)
}

// TestTransferSurvivesStageCrashes proves the no-loss rule: the destination
// stage crashes after storing but before confirming every 7th message; the
// rest_for_one supervisor restarts it with the reader, which unlocks what was
// in flight and offers it again. Every message must arrive, some twice.
func TestTransferSurvivesStageCrashes(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 300
	fill(t, src, n)
	before := flakyFails.Load()
	runTree(t, fmt.Sprintf(`
name: q2q
strategy: rest_for_one
intensity: 1000
period: 1s
children:
  - name: writer
    kind: transfertest.flaky
    with: {path: %q, fail_every: 7}
  - name: reader
    kind: queue.reader
    with: {path: %q, to: writer, window: 8, poll: 10ms}
`, dst, src))
	waitDrained(t, src)
	got := seqs(t, dst)
	for i := 0; i < n; i++ {
		if got[fmt.Sprint(i)] == 0 {
			t.Errorf("message %d lost", i)
		}
	}
	dups := 0
	for _, c := range got {
		dups += c - 1
	}
	fails := flakyFails.Load() - before
	if fails == 0 {
		t.Fatal("the flaky stage never failed: the test proves nothing")
	}
	t.Logf("%d messages, %d injected crashes, %d duplicates", n, fails, dups)
}

// TestTransferQuarantinesCorruptElements: a corrupt element in the source is
// moved aside (never deleted) and the transfer goes on with the others.
func TestTransferQuarantinesCorruptElements(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 50
	fill(t, src, n/2)
	q, err := queue.NewDQS(src, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := q.Add([]byte(`{"body": "truncated`))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, src, n/2)
	runTree(t, drainTree(dst, src, 100))
	waitDrained(t, src)
	if got, _ := queue.NewDQS(dst, queue.DQSOptions{}); got != nil {
		if c, err := got.Count(); err != nil || c != n {
			t.Fatalf("destination holds %d messages (err %v), want %d", c, err, n)
		}
	}
	moved := filepath.Join(src, queue.QuarantineDir, strings.Replace(bad, "/", "-", 1))
	data, err := os.ReadFile(moved)
	if err != nil {
		t.Fatalf("the corrupt element %s was not kept aside: %v", bad, err)
	}
	if string(data) != `{"body": "truncated` {
		t.Fatalf("quarantined element changed: %q", data)
	}
}

// runToEnd runs a queue.reader of src (with the given extra settings, e.g.
// "loop: false") into a queue.writer of dst until the reader ends, which
// ends the tree. The tree allows no restart: a reader that fails, even
// once, fails the test.
func runToEnd(t *testing.T, src, dst, readerWith string) {
	t.Helper()
	run := runTree(t, q2qTree(dst, src, readerWith, true))
	select {
	case <-run.Done():
	case <-time.After(2 * time.Minute):
		t.Fatalf("the reader (%s) never ended", readerWith)
	}
	if err := run.Wait(); err != nil {
		t.Fatalf("the tree ended with %v (the reader failed)", err)
	}
}

// TestTransferOnePassWithoutRemove: loop: false with remove: false is one
// pass, like stompclt without --remove: every element is sent once, stays in
// the source unlocked, and the reader ends instead of meeting the unlocked
// elements again in a new scan.
func TestTransferOnePassWithoutRemove(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 40
	fill(t, src, n)
	runToEnd(t, src, dst, "window: 8, loop: false, remove: false")
	checkArrivedOnce(t, dst, n)
	if left := seqs(t, src); len(left) != n {
		t.Errorf("source holds %d messages, want all %d kept (remove: false)", len(left), n)
	}
}

// TestReaderStopsWithNothingConfirmedLeftLocked: the reader removes
// confirmed elements beside its reading (the settler); when it stops after
// count messages, every confirmed element is gone and no lock is left, so
// nothing it was told is safe gets sent again.
func TestReaderStopsWithNothingConfirmedLeftLocked(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n, count = 300, 200
	fill(t, src, n)
	runToEnd(t, src, dst, fmt.Sprintf("window: 50, count: %d", count))
	var locks []string
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".lck") {
			locks = append(locks, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) > 0 {
		t.Fatalf("%d locks left in the source after the reader stopped, e.g. %s", len(locks), locks[0])
	}
	left, moved := seqs(t, src), seqs(t, dst)
	if len(moved) != count || len(left) != n-count {
		t.Fatalf("destination holds %d messages and source %d, want %d and %d", len(moved), len(left), count, n-count)
	}
	for seq := range moved {
		if _, ok := left[seq]; ok {
			t.Errorf("message %s is in both queues: confirmed but not removed", seq)
		}
	}
}

// lockThief is a queue whose purge, elsewhere, takes the first lock of
// each of the first `steal` elements for stale right after Lock made it:
// dirq's race between the link that locks and the touch that dates the
// lock (the new link carries the element's old mtime).
type lockThief struct {
	queue.Queue
	steal  int
	stolen map[string]bool
}

func (q *lockThief) Lock(name string) (bool, error) {
	ok, err := q.Queue.Lock(name)
	if ok && len(q.stolen) < q.steal && !q.stolen[name] {
		q.stolen[name] = true
		if err := os.Remove(filepath.Join(q.Path(), name+".lck")); err != nil {
			return false, err
		}
	}
	return ok, err
}

// TestReaderSkipsAnElementWhoseLockWasTaken: an element whose lock a purge
// took between Lock and the read is skipped, not a failure of the reader:
// it is read again later and every message arrives once (runToEnd allows
// no restart).
func TestReaderSkipsAnElementWhoseLockWasTaken(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 30
	fill(t, src, n)
	thief := &lockThief{steal: 5, stolen: map[string]bool{}}
	queue.WrapReaderQueue(t, func(q queue.Queue) queue.Queue { thief.Queue = q; return thief })
	runToEnd(t, src, dst, fmt.Sprintf("window: 4, poll: 10ms, count: %d", n))
	if len(thief.stolen) != thief.steal {
		t.Fatalf("%d locks taken, want %d", len(thief.stolen), thief.steal)
	}
	checkArrivedOnce(t, dst, n)
}
