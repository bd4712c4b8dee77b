package apps

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// test.flaky is a sink that fails on its 5th and 12th message (a broker
// connection dropping), confirming the others at once.
var (
	flakyMu   sync.Mutex
	flakyN    int
	flakyDone = map[string]bool{}
)

// restartPipeline is a transfer tree that restarts a failed stage and the
// ones after it: the sink kind, a stats gate, the source (a flow mapping)
// and a drain with drainWith, ending when the source does.
func restartPipeline(name, sink, source, drainWith string) string {
	return fmt.Sprintf(`
name: %s
strategy: rest_for_one
intensity: 5
period: 1m
backoff: {min: 10ms, max: 100ms}
auto_shutdown: any_significant
children:
  - {name: sink, kind: %s}
  - {name: stats, kind: transfer.stats, with: {to: sink}}
  - %s
  - {name: drain, kind: transfer.drain, shutdown: 11s, with: %s}
`, name, sink, source, drainWith)
}

// registerSink registers a test sink kind calling onDeliver for each
// message delivered to it.
func registerSink(name, summary string, onDeliver func(ctx actor.Context, d *queue.Deliver)) {
	actors.Register(actors.Kind{Name: name, Summary: summary,
		New: func(*actors.Config) (actor.Actor, error) {
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if d, ok := ctx.Message().(*queue.Deliver); ok {
					onDeliver(ctx, d)
				}
			}), nil
		}})
}

func init() {
	registerSink("test.flaky", "sink failing now and then (tests)", func(ctx actor.Context, d *queue.Deliver) {
		flakyMu.Lock()
		flakyN++
		n := flakyN
		if n != 5 && n != 12 {
			flakyDone[d.Message.Header["seq"]] = true
		}
		flakyMu.Unlock()
		if n == 5 || n == 12 {
			actors.Fail(ctx, errors.New("connection lost"))
		}
		queue.Answer(ctx, ctx.Sender(), d.ID, nil)
	})
}

// TestSinkFailureRestartsInProcess: when the sink fails, the transfer
// restarts it and the stages after it (with backoff), and every message
// still arrives — nothing is removed from the source unconfirmed.
func TestSinkFailureRestartsInProcess(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	const n = 20
	fill(t, in, n)
	flakyMu.Lock()
	flakyN = 0
	clear(flakyDone)
	flakyMu.Unlock()
	runTree(t, "flaky.yaml", restartPipeline("flaky", "test.flaky",
		fmt.Sprintf("{name: reader, kind: queue.reader, restart: transient, significant: true, with: {path: %s, to: stats, window: 3, loop: false}}", in),
		"{gate: stats, upstream: [reader]}"))
	flakyMu.Lock()
	defer flakyMu.Unlock()
	if len(flakyDone) != n {
		t.Errorf("sink confirmed %d distinct messages, want %d", len(flakyDone), n)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
}

// test.slowsink confirms each message a moment later, as a broker does,
// so that some are always in flight.
var (
	slowMu   sync.Mutex
	slowSeen = map[string]int{}
)

func init() {
	registerSink("test.slowsink", "sink confirming a moment later (tests)", func(ctx actor.Context, d *queue.Deliver) {
		slowMu.Lock()
		slowSeen[d.ID]++
		slowMu.Unlock()
		sender, system := ctx.Sender(), ctx.ActorSystem()
		time.AfterFunc(2*time.Millisecond, func() { system.Root.Send(sender, &queue.Confirm{ID: d.ID}) })
	})
}

// test.failingsource delivers messages "0".."n-1" until each is confirmed,
// all at once, and fails once, on its 10th confirmation, with the rest in
// flight; each incarnation delivers what is not
// confirmed yet, and the source ends normally once everything is.
var (
	sourceMu        sync.Mutex
	sourceConfirmed = map[string]bool{}
	sourceFailed    bool
)

const failingSourceMessages = 40

type failingSource struct{ cfg *actors.Config }

func (s *failingSource) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		to := s.cfg.SiblingPID("to")
		sourceMu.Lock()
		defer sourceMu.Unlock()
		for i := range failingSourceMessages {
			if id := strconv.Itoa(i); !sourceConfirmed[id] {
				ctx.Request(to, &queue.Deliver{ID: id, Message: queue.NewText("m"+id, nil)})
			}
		}
	case *queue.Confirm:
		sourceMu.Lock()
		sourceConfirmed[m.ID] = true
		n, fail := len(sourceConfirmed), false
		if n == 10 && !sourceFailed {
			sourceFailed, fail = true, true
		}
		sourceMu.Unlock()
		switch {
		case fail:
			actors.Fail(ctx, errors.New("source failed on purpose"))
		case n == failingSourceMessages:
			actors.StopNormal(ctx)
		}
	}
}

func init() {
	actors.Register(actors.Kind{Name: "test.failingsource", Summary: "source failing once mid-transfer (tests)",
		Spec: actors.NewSpec().Field(actors.Sibling("to").Required().Description("next stage")),
		New:  func(cfg *actors.Config) (actor.Actor, error) { return &failingSource{cfg: cfg}, nil }})
}

// TestSourceFailureMidTransfer: when the source fails with messages in
// flight, the transfer restarts it and the stages after it (the drain
// among them), and every message arrives. The new source delivers before
// the new drain reopens the gate: the gate holds those messages until then
// (it once dropped them, and the new source waited forever for answers).
func TestSourceFailureMidTransfer(t *testing.T) {
	sourceMu.Lock()
	clear(sourceConfirmed)
	sourceFailed = false
	sourceMu.Unlock()
	slowMu.Lock()
	clear(slowSeen)
	slowMu.Unlock()
	runTree(t, "failing.yaml", restartPipeline("failing", "test.slowsink",
		"{name: source, kind: test.failingsource, restart: transient, significant: true, with: {to: stats}}",
		"{gate: stats}"))
	sourceMu.Lock()
	defer sourceMu.Unlock()
	if !sourceFailed {
		t.Fatal("the source never failed: the test tested nothing")
	}
	if len(sourceConfirmed) != failingSourceMessages {
		t.Errorf("%d messages confirmed, want %d", len(sourceConfirmed), failingSourceMessages)
	}
	slowMu.Lock()
	defer slowMu.Unlock()
	if len(slowSeen) != failingSourceMessages {
		t.Errorf("sink got %d distinct messages, want %d", len(slowSeen), failingSourceMessages)
	}
}
