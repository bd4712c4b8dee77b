package apps

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/scheduler"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// test.lateack plays a broker sink whose receipts come late: a message
// counts as sent when it is Delivered, its Confirm follows 30ms later.
var (
	sentMu sync.Mutex
	sent   = map[string]int{} // seq -> times sent
)

type confirmLater struct {
	to *actor.PID
	id string
}

func init() {
	actors.Register(actors.Kind{Name: "test.lateack", Summary: "sink with late receipts (tests)",
		New: func(*actors.Config) (actor.Actor, error) {
			return actor.ReceiveFunc(func(ctx actor.Context) {
				switch m := ctx.Message().(type) {
				case *queue.Deliver:
					sentMu.Lock()
					sent[m.Message.Header["seq"]]++
					sentMu.Unlock()
					scheduler.NewTimerScheduler(ctx.ActorSystem().Root).SendOnce(30*time.Millisecond, ctx.Self(), &confirmLater{ctx.Sender(), m.ID})
				case *confirmLater:
					queue.Answer(ctx, m.to, m.id, nil)
				}
			}), nil
		}})
}

// TestStopDrains: a stop in the middle of a transfer waits for the
// receipts of what was sent, so no message is both sent and left in the
// source (a duplicate on the next run), and none is lost.
func TestStopDrains(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	const n = 300
	fill(t, in, n)
	sentMu.Lock()
	clear(sent)
	sentMu.Unlock()
	tr, err := supervision.LoadBytes("drain.yaml", []byte(fmt.Sprintf(`
name: t
strategy: rest_for_one
children:
  - {name: sink, kind: test.lateack}
  - {name: stats, kind: transfer.stats, with: {to: sink}}
  - {name: reader, kind: queue.reader, with: {path: %s, to: stats, window: 20}}
  - {name: drain, kind: transfer.drain, shutdown: 11s, with: {gate: stats, upstream: [reader]}}
`, in)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		sentMu.Lock()
		k := len(sent)
		sentMu.Unlock()
		if k >= 40 {
			break
		}
		if time.Now().After(deadline) {
			_ = r.Stop(context.Background())
			t.Fatalf("only %d messages sent", k)
		}
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, m := range drain(t, in) {
		left[m.Header["seq"]] = true
	}
	sentMu.Lock()
	defer sentMu.Unlock()
	for seq, times := range sent {
		if left[seq] {
			t.Errorf("message %s was sent and is still in the source: a duplicate on the next run", seq)
		}
		if times > 1 {
			t.Errorf("message %s sent %d times", seq, times)
		}
	}
	for seq := range sent {
		left[seq] = true
	}
	if len(left) != n {
		t.Errorf("only %d of %d messages were sent or are left: messages lost", len(left), n)
	}
}
