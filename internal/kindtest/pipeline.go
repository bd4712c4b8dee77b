package kindtest

import (
	"fmt"
	"strings"
	"testing"
)

// Pipeline is a transfer queue -> Sender -> broker -> Receiver -> queue, run
// as one rest_for_one tree: a queue.reader on Src feeds the Sender stage,
// whose broker the Receiver stage consumes into a queue.writer on Dst.
type Pipeline struct {
	Name     string // the tree's
	Src, Dst string // directory queues
	Window   int    // the reader's
	Sender   Stage  // fed by the reader: its `with:` must not name `to`
	Receiver Stage  // its `with:` must say `to: writer`
}

// Stage is a broker stage of a Pipeline.
type Stage struct {
	Kind    string
	Restart string // empty: the default (permanent)
	With    string // the `with:` fields, YAML flow style without the braces
}

func (s Stage) yaml(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  - name: %s\n    kind: %s\n", name, s.Kind)
	if s.Restart != "" {
		fmt.Fprintf(&b, "    restart: %s\n", s.Restart)
	}
	fmt.Fprintf(&b, "    with: {%s}\n", s.With)
	return b.String()
}

// YAML renders the tree. The stages are listed sinks first, so that
// rest_for_one restarts a failed stage together with every stage feeding
// it: the reader then offers its unconfirmed messages again.
func (p *Pipeline) YAML() string {
	return fmt.Sprintf(`
name: %s
strategy: rest_for_one
intensity: 100
period: 1s
backoff: {min: 20ms, max: 500ms}
children:
  - name: writer
    kind: queue.writer
    with: {path: %q}
%s%s  - name: reader
    kind: queue.reader
    with: {path: %q, to: sender, window: %d, poll: 20ms}
`, p.Name, p.Dst, p.Receiver.yaml("receiver"), p.Sender.yaml("sender"), p.Src, p.Window)
}

// Transfer fills Src with messages 0..n-1 (of Message), runs the tree
// until Src is empty and every message arrived in Dst (calling during
// once, when half of them did), checks what arrived (CheckArrived) and
// returns the number of duplicates and the tree's events.
func (p *Pipeline) Transfer(t testing.TB, n int, during func(*Events)) (dups int, ev *Events) {
	t.Helper()
	Fill(t, p.Src, Messages(n)...)
	_, ev = RunTree(t, p.YAML())
	if during != nil {
		WaitUntil(t, "half of the messages transferred", func() bool { return Count(t, p.Dst) >= n/2 })
		during(ev)
	}
	WaitUntil(t, "source drained", func() bool { return Count(t, p.Src) == 0 })
	WaitUntil(t, "every message arrived", func() bool { return len(Read(t, p.Dst)) >= n })
	return CheckArrived(t, Read(t, p.Dst), n), ev
}

// Bench moves b.N messages through the pipeline and reports the end-to-end
// rate in msg/s, from the tree's start until the last message is in Dst
// (filling Src is not timed).
func (p *Pipeline) Bench(b *testing.B) {
	b.StopTimer()
	Fill(b, p.Src, Messages(b.N)...)
	b.ResetTimer()
	b.StartTimer()
	RunTree(b, p.YAML())
	WaitUntil(b, "every message arrived", func() bool { return Count(b, p.Dst) >= b.N })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
