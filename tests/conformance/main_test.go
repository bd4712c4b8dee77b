package conformance

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// TestMain fails the run if a goroutine outlives the tests, prints the
// per-target results table, and deletes the RabbitMQ queues the cases
// declared.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(exitHook{m})
}

type exitHook struct{ m *testing.M }

func (h exitHook) Run() int {
	code := h.m.Run()
	results.print()
	brokertest.DeleteRabbitQueues()
	return code
}

// naPrefix starts a case's note when the case did not apply to the
// target (its capabilities) and asserted the documented behaviour instead.
const naPrefix = "n/a: "

// resultTable collects the outcome of every case on every target.
type resultTable struct {
	mu   sync.Mutex
	rows map[string]map[string]string // target -> case -> outcome
}

var results = resultTable{rows: map[string]map[string]string{}}

// record notes the outcome of the case subtest t once it ended: pass,
// FAIL, skipped, pass with what the target did (the case's note), or n/a
// with the capability that says which documented behaviour was asserted
// instead of the common one. For a
// target's subtest (cas "", note nil) it notes only a skip: the broker is
// down and no case ran.
func (r *resultTable) record(t *testing.T, tgt, cas string, note *string) {
	t.Cleanup(func() {
		out := "pass"
		switch {
		case cas == "":
			if !t.Skipped() {
				return
			}
			cas, out = "all cases", "skipped (broker down, outside CI)"
		case t.Failed():
			out = "FAIL"
		case t.Skipped():
			out = "skipped (broker down)"
		case strings.HasPrefix(*note, naPrefix):
			out = "n/a by capability, documented behaviour asserted: " + strings.TrimPrefix(*note, naPrefix)
		case *note != "":
			out = "pass (" + *note + ")"
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.rows[tgt] == nil {
			r.rows[tgt] = map[string]string{}
		}
		r.rows[tgt][cas] = out
	})
}

func (r *resultTable) print() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.rows) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("\nconformance results:\n| target | case | result |\n|---|---|---|\n")
	for _, tgt := range targets {
		row := r.rows[tgt.Name]
		for _, c := range slices.Sorted(maps.Keys(row)) {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", tgt.Name, c, row[c])
		}
	}
	fmt.Fprint(os.Stdout, b.String())
}
