// Package brokerbench measures the throughput of the broker bricks: the
// STOMP and AMQP 1.0 libraries (brokers/stomp, brokers/amqp) and the actor
// pipeline built on them (a supervision tree with stomp.sender /
// amqp.sender or stomp.receiver / amqp.receiver), next to bare go-stomp and
// go-amqp loops doing the same work against the same broker in the same run
// (package bare). It backs `bricks bench broker`.
//
// The work is that of issue 4: persistent 1 KiB messages sent with
// receipts (windows 1, 10 and 100 unconfirmed messages) and consumed with
// an acknowledgement per message. Each row moves N messages through an
// empty destination; sending rows then drain what they sent and consuming
// rows fill the destination first, outside the timings. Runs are
// interleaved (run 1 of every row, then run 2...) so that a row and its
// bare twin see the same machine conditions.
package brokerbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Clients compared in a report.
const (
	ClientBare     = "bare"     // go-stomp / go-amqp directly
	ClientLibrary  = "library"  // brokers/stomp, brokers/amqp
	ClientPipeline = "pipeline" // supervision tree of actor kinds
)

// Operations measured.
const (
	OpSend    = "send"
	OpConsume = "consume"
)

// PipelineWindow is the window of the actor pipeline rows.
const PipelineWindow = 100

// Config is one benchmark run against one broker.
type Config struct {
	// URI is the broker: stomp://host:port or amqp://host:port (the bare
	// loops need one plain address: no failover list, no TLS).
	URI string
	// User and Pass log in (STOMP login/passcode, AMQP SASL PLAIN); empty
	// User means none (AMQP: SASL ANONYMOUS).
	User, Pass string
	// VirtualHost is the STOMP CONNECT host header (default "/", which
	// RabbitMQ needs and other brokers accept).
	VirtualHost string
	// Destination is the queue used (default DefaultDestination for the
	// protocol). Every row leaves it empty; what it holds at the start
	// (left by an interrupted run) is consumed before the runs.
	Destination string
	// N is the number of messages per row and run (default 5000).
	N int
	// Size is the body size in bytes (default 1024).
	Size int
	// Windows are the send windows of the library and bare rows (default
	// 1, 10, 100).
	Windows []int
	// Runs is the number of runs (default 3).
	Runs int
	// NoPipeline leaves out the actor pipeline rows.
	NoPipeline bool
	// RowTimeout bounds one row of one run, its fill or drain included
	// (default 5 minutes): a broker that loses messages fails the run
	// instead of hanging it.
	RowTimeout time.Duration
	// Logger receives the libraries' and the trees' logs (default: warnings
	// and errors on stderr).
	Logger *slog.Logger
}

// DefaultDestination returns the default queue for a protocol ("stomp" or
// "amqp"). On RabbitMQ AMQP 1.0 pass "/amq/queue/NAME" for a durable queue
// declared beforehand (e.g. by a STOMP run on /queue/NAME).
func DefaultDestination(protocol string) string {
	if protocol == "stomp" {
		return "/queue/bricks-bench"
	}
	return "bricks-bench"
}

func (c Config) withDefaults() Config {
	if c.N <= 0 {
		c.N = 5000
	}
	if c.Size < 0 {
		c.Size = 0
	} else if c.Size == 0 {
		c.Size = 1024
	}
	if len(c.Windows) == 0 {
		c.Windows = []int{1, 10, 100}
	}
	if c.Runs <= 0 {
		c.Runs = 3
	}
	if c.VirtualHost == "" {
		c.VirtualHost = "/"
	}
	if c.RowTimeout <= 0 {
		c.RowTimeout = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// Protocol returns "stomp" or "amqp" for a broker URI.
func Protocol(uri string) (string, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(uri, "failover:"), "(")
	switch {
	case strings.HasPrefix(s, "stomp"):
		return "stomp", nil
	case strings.HasPrefix(s, "amqp"):
		return "amqp", nil
	}
	return "", fmt.Errorf("broker URI %q: want stomp://host:port or amqp://host:port", uri)
}

// workload is one row: Run moves n messages and returns the time the
// measured part took; it does its own untimed set-up and clean-up.
type workload struct {
	op, client string
	window     int // 0 for consuming rows
	run        func(ctx context.Context, n int) (time.Duration, error)
}

// Row is the outcome of one workload over every run.
type Row struct {
	Op     string    // OpSend or OpConsume
	Client string    // ClientBare, ClientLibrary or ClientPipeline
	Window int       // send window; 0 for consuming rows
	Rates  []float64 // msg/s, one per run
}

// Stats returns the min, median and max rates.
func (r Row) Stats() (lo, med, hi float64) {
	if len(r.Rates) == 0 {
		return 0, 0, 0
	}
	s := slices.Sorted(slices.Values(r.Rates))
	return s[0], s[len(s)/2], s[len(s)-1]
}

// Report is the outcome of Run.
type Report struct {
	// URI is the broker, Protocol "stomp" or "amqp", Destination the queue.
	URI, Protocol, Destination string
	// N, Size and Runs are the messages per row and run, their body size
	// and the number of runs.
	N, Size, Runs int
	// Rows are the measurements, in Run's order.
	Rows []Row
	// Swept is the number of messages found on the destination before the
	// runs (left by an interrupted run) and consumed, untimed.
	Swept int
	// LoadBefore and LoadAfter are the machine's 1, 5 and 15 minute load
	// averages (/proc/loadavg) around the run; empty when unavailable.
	LoadBefore, LoadAfter string
	// Missing says why rows are absent (e.g. the pipeline kinds are not
	// linked in); empty when every row ran.
	Missing string
}

// Run benchmarks the broker of cfg and returns the rows in a stable order:
// sending (bare then library at each window, then the pipeline), then
// consuming (bare, library, pipeline). progress, if not nil, gets a line
// per row and run.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	cfg = cfg.withDefaults()
	proto, err := Protocol(cfg.URI)
	if err != nil {
		return nil, err
	}
	if cfg.Destination == "" {
		cfg.Destination = DefaultDestination(proto)
	}
	body := make([]byte, cfg.Size)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	b, err := newBench(cfg, proto, body)
	if err != nil {
		return nil, err
	}
	ws := workloads(cfg, b)
	rep := &Report{URI: cfg.URI, Protocol: proto, Destination: cfg.Destination, N: cfg.N, Size: cfg.Size, Runs: cfg.Runs}
	// Every row counts on an empty destination: a sending row drains as
	// many messages as it sent, a consuming row takes as many as it filled
	// in. Messages an interrupted run left would shift every row, and make
	// a consumer meet more messages than it takes, which RabbitMQ 3.10
	// punishes: a delivery that crosses the consumer's UNSUBSCRIBE gets
	// an ERROR "Subscription not found" that closes the connection.
	if rep.Swept, err = sweep(ctx, cfg, b); err != nil {
		return nil, fmt.Errorf("%s: emptying %s before the runs: %w", cfg.URI, cfg.Destination, err)
	}
	rep.LoadBefore = LoadAverage()
	if !cfg.NoPipeline {
		if missing := missingKinds(proto); missing != "" {
			rep.Missing = missing
		}
	}
	for _, w := range ws {
		if w.client == ClientPipeline && (cfg.NoPipeline || rep.Missing != "") {
			continue
		}
		rep.Rows = append(rep.Rows, Row{Op: w.op, Client: w.client, Window: w.window})
	}
	for run := range cfg.Runs {
		i := 0
		for _, w := range ws {
			if w.client == ClientPipeline && (cfg.NoPipeline || rep.Missing != "") {
				continue
			}
			rate, err := runRow(ctx, cfg, w)
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s%s run %d: %w", cfg.URI, w.op, w.client, windowText(w.window), run+1, err)
			}
			rep.Rows[i].Rates = append(rep.Rows[i].Rates, rate)
			i++
			if progress != nil {
				fmt.Fprintf(progress, "%s %s %s%s run %d/%d: %.0f msg/s\n", proto, w.op, w.client, windowText(w.window), run+1, cfg.Runs, rate)
			}
		}
	}
	rep.LoadAfter = LoadAverage()
	return rep, nil
}

// sweep empties the destination, bounded by cfg.RowTimeout (the libraries
// reconnect for ever to a broker that does not answer).
func sweep(ctx context.Context, cfg Config, b protocolBench) (int, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.RowTimeout,
		fmt.Errorf("took more than %s (is the broker up?)", cfg.RowTimeout))
	defer cancel()
	return b.sweep(ctx, sweepQuiet)
}

// newBench returns the rows' runner of a protocol.
func newBench(cfg Config, proto string, body []byte) (protocolBench, error) {
	if proto == "stomp" {
		return newSTOMPBench(cfg, body)
	}
	return newAMQPBench(cfg, body)
}

// runRow runs one workload once, bounded by cfg.RowTimeout.
func runRow(ctx context.Context, cfg Config, w workload) (float64, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, cfg.RowTimeout,
		fmt.Errorf("row took more than %s (a message lost, or a broker stalled?)", cfg.RowTimeout))
	defer cancel()
	d, err := w.run(ctx, cfg.N)
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("no time measured")
	}
	return float64(cfg.N) / d.Seconds(), nil
}

func windowText(w int) string {
	if w == 0 {
		return ""
	}
	return fmt.Sprintf(" window %d", w)
}

// Print writes the report as a table: msg/s min/median/max over the runs
// and the median's share of the bare loop's median (same operation; for
// sending, same window — the pipeline runs at PipelineWindow).
func Print(w io.Writer, r *Report) {
	fmt.Fprintf(w, "%s (%s, destination %s): %d persistent messages of %d bytes per row, %d runs; rates in msg/s\n",
		r.URI, r.Protocol, r.Destination, r.N, r.Size, r.Runs)
	fmt.Fprintf(w, "load average before: %s, after: %s\n", orUnknown(r.LoadBefore), orUnknown(r.LoadAfter))
	if r.Swept > 0 {
		fmt.Fprintf(w, "%d messages left on the destination by an earlier run were consumed before the runs\n", r.Swept)
	}
	bare := map[string]float64{}
	for _, row := range r.Rows {
		if row.Client == ClientBare {
			_, med, _ := row.Stats()
			bare[fmt.Sprint(row.Op, row.Window)] = med
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tclient\twindow\tmin/s\tmedian/s\tmax/s\tof bare\t")
	for _, row := range r.Rows {
		lo, med, hi := row.Stats()
		share := ""
		if b := bare[fmt.Sprint(row.Op, row.Window)]; b > 0 {
			share = fmt.Sprintf("%.0f%%", 100*med/b)
		}
		win := "-"
		if row.Window > 0 {
			win = fmt.Sprint(row.Window)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t%.0f\t%s\t\n", row.Op, clientLabel(r.Protocol, row.Op, row.Client), win, lo, med, hi, share)
	}
	tw.Flush()
	if r.Missing != "" {
		fmt.Fprintf(w, "no pipeline rows: %s\n", r.Missing)
	}
}

// clientLabel names what a row ran.
func clientLabel(proto, op, client string) string {
	switch {
	case client == ClientBare && proto == "stomp":
		return "bare go-stomp"
	case client == ClientBare:
		return "bare go-amqp"
	case client == ClientLibrary:
		return "bricks " + proto
	}
	if op == OpSend {
		return proto + ".sender tree"
	}
	return proto + ".receiver tree"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// sweepQuiet is how long a destination must stay silent for the sweep
// before the runs to take it for empty.
const sweepQuiet = 500 * time.Millisecond

// silenceTimer fires once nothing happened for d (never when d <= 0); reset
// restarts the wait.
type silenceTimer struct {
	t *time.Timer
	c <-chan time.Time
	d time.Duration
}

func newSilenceTimer(d time.Duration) *silenceTimer {
	if d <= 0 {
		return &silenceTimer{}
	}
	t := time.NewTimer(d)
	return &silenceTimer{t: t, c: t.C, d: d}
}

func (q *silenceTimer) reset() {
	if q.t != nil {
		q.t.Reset(q.d)
	}
}

func (q *silenceTimer) stop() {
	if q.t != nil {
		q.t.Stop()
	}
}

// takeFrom takes n deliveries (n < 0: any number) off a receiver's
// channel, calling ack on each (nil: nothing to do), or fewer when quiet is
// positive and none came for that long; it returns how many it took.
// stopped says why the channel was closed.
func takeFrom[T any](ctx context.Context, deliveries <-chan T, n int, quiet time.Duration, ack func(T) error, stopped func() error) (int, error) {
	silence := newSilenceTimer(quiet)
	defer silence.stop()
	got := 0
	for ; n < 0 || got < n; got++ {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return got, fmt.Errorf("drain: receiver stopped after %d of %d messages: %w", got, n, stopped())
			}
			if ack != nil {
				if err := ack(d); err != nil {
					return got, fmt.Errorf("drain: %w", err)
				}
			}
			silence.reset()
		case <-silence.c:
			return got, nil
		case <-ctx.Done():
			return got, fmt.Errorf("drain: %d of %d messages: %w", got, n, context.Cause(ctx))
		}
	}
	return got, nil
}

// runFunc moves n messages and returns the time the measured part took.
type runFunc = func(ctx context.Context, n int) (time.Duration, error)

// protocolBench is one protocol's rows against one broker.
type protocolBench interface {
	bareSend(window int) runFunc
	librarySend(window int) runFunc
	pipelineSend(ctx context.Context, n int) (time.Duration, error)
	bareConsume(ctx context.Context, n int) (time.Duration, error)
	libraryConsume(ctx context.Context, n int) (time.Duration, error)
	pipelineConsume(ctx context.Context, n int) (time.Duration, error)
	// fill puts n messages on the destination; drain takes n off it.
	fill(ctx context.Context, n int) error
	drain(ctx context.Context, n int) error
	// sweep takes off what the destination holds until it stays silent
	// for quiet, and returns how many messages that was.
	sweep(ctx context.Context, quiet time.Duration) (int, error)
}

// workloads lists the rows of b in report order. Sending rows drain what
// they sent and consuming rows fill the destination first, untimed. The
// bare loop always runs at PipelineWindow too, the pipeline's reference.
func workloads(cfg Config, b protocolBench) []workload {
	drained := func(f runFunc) runFunc {
		return func(ctx context.Context, n int) (time.Duration, error) {
			d, err := f(ctx, n)
			if err != nil {
				return 0, err
			}
			return d, b.drain(ctx, n)
		}
	}
	filled := func(f runFunc) runFunc {
		return func(ctx context.Context, n int) (time.Duration, error) {
			if err := b.fill(ctx, n); err != nil {
				return 0, fmt.Errorf("fill: %w", err)
			}
			return f(ctx, n)
		}
	}
	var ws []workload
	for _, w := range cfg.Windows {
		ws = append(ws, workload{OpSend, ClientBare, w, drained(b.bareSend(w))},
			workload{OpSend, ClientLibrary, w, drained(b.librarySend(w))})
	}
	if !cfg.NoPipeline && !slices.Contains(cfg.Windows, PipelineWindow) {
		ws = append(ws, workload{OpSend, ClientBare, PipelineWindow, drained(b.bareSend(PipelineWindow))})
	}
	return append(ws, workload{OpSend, ClientPipeline, PipelineWindow, drained(b.pipelineSend)},
		workload{OpConsume, ClientBare, 0, filled(b.bareConsume)},
		workload{OpConsume, ClientLibrary, 0, filled(b.libraryConsume)},
		workload{OpConsume, ClientPipeline, 0, filled(b.pipelineConsume)})
}
