package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// treeName is the root supervisor of every case's tree: node paths are
// treeName + "/" + node name.
const treeName = "conf"

// env is one case on one target: the broker endpoint, the case's own
// destination and directory queues.
type env struct {
	tgt  target
	b    brokertest.Broker
	dest string // the broker destination, unique to the case
	src  string // directory queue the reader takes messages from
	dst  string // directory queue the writer puts received messages in
}

func newEnv(t *testing.T, tgt target, b brokertest.Broker) *env {
	dir := t.TempDir()
	return &env{tgt: tgt, b: b, dest: tgt.Prepare(t, queueName(t)),
		src: filepath.Join(dir, "src"), dst: filepath.Join(dir, "dst")}
}

// connection renders the connection fields of the target's kinds (YAML
// flow style, without braces).
func (e *env) connection() string { return e.tgt.Connection(e.b) }

// tree describes the stages of a case's rest_for_one tree, listed sinks
// first so that a failed stage is restarted with every stage feeding it:
// sink (a scripted stage, or a queue.writer into dst) <- receiver <-
// broker <- sender <- reader (of src). A stage left out is not run.
type tree struct {
	script   string // kindtest.script name of the sink; "" for a queue.writer
	noSink   bool   // no sink and no receiver: send only
	recvDest string // the receiver's destination when not the case's
	selector string // the receiver's JMS selector (ActiveMQ)
	noSend   bool   // no sender and no reader: receive only
}

// yaml renders tr for e.
func (e *env) yaml(tr tree) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
name: %s
strategy: rest_for_one
intensity: 50
period: 1s
backoff: {min: 20ms, max: 500ms}
children:
`, treeName)
	if !tr.noSink {
		if tr.script != "" {
			fmt.Fprintf(&b, "  - {name: sink, kind: %s, with: {script: %q}}\n", kindtest.ScriptKind, tr.script)
		} else {
			fmt.Fprintf(&b, "  - {name: sink, kind: queue.writer, with: {path: %q}}\n", e.dst)
		}
		dest := e.dest
		if tr.recvDest != "" {
			dest = tr.recvDest
		}
		extra := ""
		if tr.selector != "" {
			extra = fmt.Sprintf(", selector: %q", tr.selector)
		}
		fmt.Fprintf(&b, "  - {name: receiver, kind: %s.receiver, with: {%s, destination: %q, to: sink%s}}\n",
			e.tgt.Protocol, e.connection(), dest, extra)
	}
	if !tr.noSend {
		fmt.Fprintf(&b, "  - {name: sender, kind: %s.sender, with: {%s, destination: %q, window: 20}}\n",
			e.tgt.Protocol, e.connection(), e.dest)
		fmt.Fprintf(&b, "  - {name: reader, kind: queue.reader, with: {path: %q, to: sender, window: 20, poll: 20ms}}\n", e.src)
	}
	return b.String()
}

// run starts tr for e until the test ends.
func (e *env) run(t *testing.T, tr tree) (*supervision.Running, *kindtest.Events) {
	t.Helper()
	return kindtest.RunTree(t, e.yaml(tr))
}

// drained waits until the reader emptied src: the sender confirmed every
// message (a broker receipt, an accepted disposition).
func (e *env) drained(t *testing.T) {
	t.Helper()
	kindtest.WaitUntil(t, "the sender confirmed every message", func() bool {
		_, err := os.Stat(e.src)
		return err == nil && kindtest.Count(t, e.src) == 0
	})
}

// noQuarantine asserts that the reader moved nothing aside.
func (e *env) noQuarantine(t *testing.T) {
	t.Helper()
	if q := kindtest.Quarantined(t, e.src); len(q) != 0 {
		t.Errorf("%d messages quarantined, e.g. %s", len(q), q[0])
	}
}

// recorder is the memory of a scripted sink: what reached it, by "seq".
type recorder struct {
	mu        sync.Mutex
	delivered map[int]int              // Delivers seen
	confirmed map[int][]*queue.Message // messages confirmed
	rejected  map[int]int              // messages rejected
}

func newRecorder() *recorder {
	return &recorder{delivered: map[int]int{}, confirmed: map[int][]*queue.Message{}, rejected: map[int]int{}}
}

// seq returns the "seq" header of d's message.
func seq(t testing.TB, d *queue.Deliver) int {
	n, err := strconv.Atoi(d.Message.Header["seq"])
	if err != nil {
		t.Errorf("a message without a seq header arrived: %v", d.Message.Header)
		return -1
	}
	return n
}

// answer records d and answers it: Confirm when err is nil, else Reject.
func (r *recorder) answer(ctx actor.Context, n int, d *queue.Deliver, err error) {
	r.mu.Lock()
	if err == nil {
		r.confirmed[n] = append(r.confirmed[n], d.Message)
	} else {
		r.rejected[n]++
	}
	r.mu.Unlock()
	queue.Answer(ctx, ctx.Sender(), d.ID, err)
}

// with runs f under the recorder's lock.
func (r *recorder) with(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}
