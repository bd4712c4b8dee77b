package apps

import (
	"fmt"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// TestStatsRelaysReasonlessReject checks that a middle stage passes a
// Reject on as a Reject even when it gives no reason: it must never reach
// the source as a Confirm (the source would remove a message the sink
// never took), and is not counted as a confirmed message.
func TestStatsRelaysReasonlessReject(t *testing.T) {
	sink := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		ctx.Send(ctx.Sender(), &queue.Reject{ID: d.ID}) // no Reason
	})
	p := &benchProbe{msg: benchMessage(), done: make(chan error, 1)}
	benchProbes.Store(t.Name(), p)
	defer benchProbes.Delete(t.Name())
	forgetStatistics("rr/stats")
	defer forgetStatistics("rr/stats")
	yaml := fmt.Sprintf(`name: rr
strategy: rest_for_one
children:
  - {name: sink, kind: %s, with: {script: %q}}
  - {name: stats, kind: transfer.stats, with: {to: sink}}
  - {name: source, kind: %s, restart: temporary, with: {to: stats, probe: %q, n: 1}}
`, kindtest.ScriptKind, sink, benchSourceKind, t.Name())
	if err := kindtest.RunUntil(t, yaml, p.done); err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("the source got %v, want the Reject", err)
	}
	if st, _ := TransferStatistics("rr/stats"); st.Messages != 0 || st.Rejected != 1 {
		t.Fatalf("statistics %+v, want 0 messages and 1 rejected", st)
	}
}

// TestHeadersRelaysReasonlessReject: the header rules stage passes a
// Reject without a reason on as a Reject too.
func TestHeadersRelaysReasonlessReject(t *testing.T) {
	sink := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		ctx.Send(ctx.Sender(), &queue.Reject{ID: d.ID}) // no Reason
	})
	p := &benchProbe{msg: benchMessage(), done: make(chan error, 1)}
	benchProbes.Store(t.Name(), p)
	defer benchProbes.Delete(t.Name())
	yaml := fmt.Sprintf(`name: rh
strategy: rest_for_one
children:
  - {name: sink, kind: %s, with: {script: %q}}
  - {name: headers, kind: %s, with: {to: sink, set: {x: y}}}
  - {name: source, kind: %s, restart: temporary, with: {to: headers, probe: %q, n: 1}}
`, kindtest.ScriptKind, sink, headersKind, benchSourceKind, t.Name())
	if err := kindtest.RunUntil(t, yaml, p.done); err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("the source got %v, want the Reject", err)
	}
}
