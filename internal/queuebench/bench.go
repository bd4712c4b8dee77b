// Package queuebench measures the directory queues next to bare loops of
// the same system calls (their physical limit) and, when available, next to
// python-dirq doing the same work. It backs `bricks bench queue` and the Go
// benchmarks of package queue.
package queuebench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/bricksmq/bricks/queue"
)

// Workload is one queue flavour, or its bare loop, adding n elements with
// 1 KiB bodies and consuming them (lock + get + remove each).
type Workload struct {
	Name    string // "dqs", "dqs-bare", "dqn", "dqn-bare"
	Add     func(path string, n int, body []byte) error
	Consume func(path string) (int, error)
}

// Header is the DQN header of every benchmark element.
var Header = map[string]string{"id": "bench"}

// Workloads returns the four workloads, each flavour before its bare loop.
func Workloads() []Workload {
	header := queue.FormatTable(Header)
	return []Workload{
		{"dqs", dqsAdd, consume(func(p string) (queue.Queue, error) { return queue.NewDQS(p, queue.DQSOptions{}) }, readDQS)},
		{"dqs-bare", bareDQSAdd, bareDQSConsume},
		{"dqn", dqnAdd, consume(openDQN, readDQN)},
		{"dqn-bare", func(p string, n int, body []byte) error { return bareDQNAdd(p, n, header, body) }, bareDQNConsume},
	}
}

func openDQN(p string) (queue.Queue, error) {
	return queue.NewDQN(p, queue.DQNOptions{Schema: queue.MessagingSchema})
}

func dqsAdd(path string, n int, body []byte) error {
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		return err
	}
	for range n {
		if _, err := q.Add(body); err != nil {
			return err
		}
	}
	return nil
}

func dqnAdd(path string, n int, body []byte) error {
	q, err := queue.NewDQN(path, queue.DQNOptions{Schema: queue.MessagingSchema})
	if err != nil {
		return err
	}
	e := map[string]any{"header": Header, "binary": body}
	for range n {
		if _, err := q.Add(e); err != nil {
			return err
		}
	}
	return nil
}

func readDQS(q queue.Queue, name string) error { _, err := q.(*queue.DQS).Get(name); return err }
func readDQN(q queue.Queue, name string) error { _, err := q.(*queue.DQN).Get(name); return err }

// consume iterates the queue, locking, reading and removing every element.
func consume(open func(string) (queue.Queue, error), get func(queue.Queue, string) error) func(string) (int, error) {
	return func(path string) (int, error) {
		q, err := open(path)
		if err != nil {
			return 0, err
		}
		n := 0
		for name, err := range q.Names() {
			if err != nil {
				return n, err
			}
			ok, err := q.Lock(name)
			if err != nil {
				return n, err
			}
			if !ok {
				continue
			}
			if err := get(q, name); err != nil {
				return n, err
			}
			if err := q.Remove(name); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
}

// Sample is one timed phase.
type Sample struct {
	Rate   float64 // elements per second
	Bytes  float64 // heap bytes allocated per element
	Allocs float64 // heap allocations per element
}

// Measure runs f (which handles n elements) and returns its rate and
// allocations per element. Memory statistics are read outside the timing.
func Measure(n int, f func() error) (Sample, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	err := f()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil {
		return Sample{}, err
	}
	return Sample{
		Rate:   float64(n) / d.Seconds(),
		Bytes:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		Allocs: float64(after.Mallocs-before.Mallocs) / float64(n),
	}, nil
}

// Target is a filesystem to measure on.
type Target struct {
	Label string // "tmpfs", "disk"
	Dir   string // a directory on it; runs work in fresh sub-directories
}

// Config is a benchmark run.
type Config struct {
	Targets  []Target
	N        int    // elements per run (20,000)
	Runs     int    // runs per workload (5)
	BodySize int    // bytes (1024)
	Python   string // interpreter with python-dirq, or "" to skip
	Script   string // tests/dirq/bench.py
}

// Row is the outcome for one filesystem, workload and phase.
type Row struct {
	FS, Queue, Op string
	Samples       []Sample
	Python        float64 // python-dirq median rate (same runs), 0 if not measured
}

// Rates returns the min, median and max rates.
func (r Row) Rates() (lo, med, hi float64) {
	rates := make([]float64, len(r.Samples))
	for i, s := range r.Samples {
		rates[i] = s.Rate
	}
	slices.Sort(rates)
	return rates[0], rates[len(rates)/2], rates[len(rates)-1]
}

// Run measures every workload on every target, runs times, and returns the
// rows in a stable order (per target: dqs add, dqs consume, dqs-bare add,
// ...). Runs are interleaved (run 1 of every workload, then run 2, ...) so
// that a flavour, its bare loop and python-dirq see the same machine
// conditions.
// progress, if not nil, gets a line per finished run.
func Run(cfg Config, progress io.Writer) ([]Row, error) {
	body := make([]byte, cfg.BodySize)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	var rows []Row
	for _, t := range cfg.Targets {
		ws := Workloads()
		first := len(rows)
		for _, w := range ws {
			rows = append(rows, Row{FS: t.Label, Queue: w.Name, Op: "add"},
				Row{FS: t.Label, Queue: w.Name, Op: "lock+get+remove"})
		}
		py := map[string][]float64{}
		for run := range cfg.Runs {
			if cfg.Python != "" {
				rates, err := runPython(cfg, t)
				if err != nil {
					return nil, err
				}
				for k, v := range rates {
					py[k] = append(py[k], v)
				}
			}
			for k := range ws {
				// Alternate which of a flavour and its bare loop goes
				// first, so that neither always follows the other's
				// clean-up (freeing 20,000 inodes leaves the kernel work).
				i := k
				if run%2 == 1 {
					i = k ^ 1
				}
				w := ws[i]
				add, con, err := runOnce(t, w, cfg.N, body)
				if err != nil {
					return nil, err
				}
				rows[first+2*i].Samples = append(rows[first+2*i].Samples, add)
				rows[first+2*i+1].Samples = append(rows[first+2*i+1].Samples, con)
				if progress != nil {
					fmt.Fprintf(progress, "%s %s run %d/%d: add %.0f/s, consume %.0f/s\n", t.Label, w.Name, run+1, cfg.Runs, add.Rate, con.Rate)
				}
			}
		}
		for i, w := range ws {
			rows[first+2*i].Python = median(py[w.Name+"_add"])
			rows[first+2*i+1].Python = median(py[w.Name+"_consume"])
		}
	}
	return rows, nil
}

// runOnce adds n elements to a fresh queue on t and consumes them.
func runOnce(t Target, w Workload, n int, body []byte) (add, con Sample, err error) {
	dir, err := os.MkdirTemp(t.Dir, "bricks-bench-")
	if err != nil {
		return add, con, err
	}
	defer os.RemoveAll(dir)
	path := dir + "/q"
	add, err = Measure(n, func() error { return w.Add(path, n, body) })
	if err != nil {
		return add, con, fmt.Errorf("%s %s add: %w", t.Label, w.Name, err)
	}
	var got int
	con, err = Measure(n, func() error { var err error; got, err = w.Consume(path); return err })
	if err == nil && got != n {
		err = fmt.Errorf("consumed %d of %d", got, n)
	}
	if err != nil {
		return add, con, fmt.Errorf("%s %s consume: %w", t.Label, w.Name, err)
	}
	return add, con, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Sorted(slices.Values(v))
	return v[len(v)/2]
}

// runPython runs one run of tests/dirq/bench.py on the target, between the
// Go runs so that both see the same machine, and returns its rates by
// "dqs_add", "dqs_consume", "dqn_add", "dqn_consume".
func runPython(cfg Config, t Target) (map[string]float64, error) {
	cmd := exec.Command(cfg.Python, cfg.Script, "--dir", t.Dir, "--n", fmt.Sprint(cfg.N),
		"--runs", "1", "--size", fmt.Sprint(cfg.BodySize), "--json")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("python bench %s: %w", cfg.Script, err)
	}
	var rates map[string]float64
	if err := json.Unmarshal(out, &rates); err != nil {
		return nil, fmt.Errorf("python bench output %q: %w", out, err)
	}
	return rates, nil
}

// Print writes the rows as a table: rates, allocations, the share of the
// bare loop (same filesystem and phase, medians) and the ratio to
// python-dirq.
func Print(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fs\tqueue\top\tmin/s\tmedian/s\tmax/s\tB/op\tallocs/op\tof bare\tpython/s\tgo/python\t")
	bare := map[string]float64{}
	for _, r := range rows {
		if len(r.Queue) > 5 && r.Queue[len(r.Queue)-5:] == "-bare" {
			_, med, _ := r.Rates()
			bare[r.FS+r.Queue[:len(r.Queue)-5]+r.Op] = med
		}
	}
	for _, r := range rows {
		lo, med, hi := r.Rates()
		var b, a float64
		for _, s := range r.Samples {
			b += s.Bytes
			a += s.Allocs
		}
		b /= float64(len(r.Samples))
		a /= float64(len(r.Samples))
		share, py, ratio := "", "", ""
		if v, ok := bare[r.FS+r.Queue+r.Op]; ok && v > 0 {
			share = fmt.Sprintf("%.0f%%", 100*med/v)
		}
		if r.Python > 0 {
			py = fmt.Sprintf("%.0f", r.Python)
			ratio = fmt.Sprintf("%.1fx", med/r.Python)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%s\t%s\t%s\t\n", r.FS, r.Queue, r.Op, lo, med, hi, b, a, share, py, ratio)
	}
	tw.Flush()
}
