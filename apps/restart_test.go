package apps

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

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

func init() {
	actors.Register(actors.Kind{Name: "test.flaky", Summary: "sink failing now and then (tests)",
		New: func(*actors.Config) (actor.Actor, error) {
			return actor.ReceiveFunc(func(ctx actor.Context) {
				d, ok := ctx.Message().(*queue.Deliver)
				if !ok {
					return
				}
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
			}), nil
		}})
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
	runTree(t, "flaky.yaml", fmt.Sprintf(`
name: flaky
strategy: rest_for_one
intensity: 5
period: 1m
backoff: {min: 10ms, max: 100ms}
auto_shutdown: any_significant
children:
  - {name: sink, kind: test.flaky}
  - {name: stats, kind: transfer.stats, with: {to: sink}}
  - {name: reader, kind: queue.reader, restart: transient, significant: true, with: {path: %s, to: stats, window: 3, loop: false}}
  - {name: drain, kind: transfer.drain, shutdown: 11s, with: {gate: stats, upstream: [reader]}}
`, in))
	flakyMu.Lock()
	defer flakyMu.Unlock()
	if len(flakyDone) != n {
		t.Errorf("sink confirmed %d distinct messages, want %d", len(flakyDone), n)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
}
