package apps

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// The benchmarks of this file measure what the pipeline itself costs per
// message, without a broker: the hop through the transfer.stats stage
// (every message of a transfer passes it twice, as Deliver and as
// Confirm), and a whole queue → queue transfer against a bare loop doing
// the same file work. Run them interleaved (-count repeats the whole
// function, so the rows of one round see the same machine):
//
//	go test -run '^$' -bench 'StatsHop|TransferQueue' -benchtime 20000x -count 3 ./apps/

// benchSourceKind is an in-memory source stage: it delivers `n` messages
// to `to:`, at most `window` unanswered, and reports to the probe named
// `probe` once every one was confirmed.
const benchSourceKind = "appsbench.source"

// benchProbes are the running benchmarks' probes, by name.
var benchProbes sync.Map // string -> *benchProbe

type benchProbe struct {
	msg        *queue.Message
	start, end time.Time
	done       chan error
}

func init() {
	actors.Register(actors.Kind{
		Name:    benchSourceKind,
		Summary: "delivers n messages from memory (benchmark)",
		Spec: actors.NewSpec().Field(actors.Sibling("to").Required()).Field(actors.String("probe").Required()).
			Field(actors.Int("n").Required()).Field(actors.Int("window").Default(100)),
		New: func(cfg *actors.Config) (actor.Actor, error) {
			p, ok := benchProbes.Load(cfg.String("probe"))
			if !ok {
				return nil, fmt.Errorf("no probe %q", cfg.String("probe"))
			}
			return &benchSource{cfg: cfg, p: p.(*benchProbe), n: cfg.Int("n"), window: cfg.Int("window")}, nil
		},
	})
}

type benchSource struct {
	cfg             *actors.Config
	p               *benchProbe
	to              *actor.PID
	n, window       int
	sent, confirmed int
	ids             []string
}

func (s *benchSource) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.ids = make([]string, s.n)
		for i := range s.ids {
			s.ids[i] = strconv.Itoa(i)
		}
		if s.to = s.cfg.SiblingPID("to"); s.to == nil {
			s.p.done <- fmt.Errorf("the next stage is not running")
			return
		}
		s.p.start = time.Now()
		for s.sent < min(s.window, s.n) {
			s.deliver(ctx)
		}
	case *queue.Confirm:
		s.confirmed++
		if s.sent < s.n {
			s.deliver(ctx)
		}
		if s.confirmed == s.n {
			s.p.end = time.Now()
			s.p.done <- nil
		}
	case *queue.Reject:
		s.p.done <- fmt.Errorf("message %s rejected: %w", m.ID, m.Reason)
	}
}

func (s *benchSource) deliver(ctx actor.Context) {
	ctx.Request(s.to, &queue.Deliver{ID: s.ids[s.sent], Message: s.p.msg})
	s.sent++
}

// benchMessage is a persistent 1 KiB binary message, as the broker
// benchmarks send.
func benchMessage() *queue.Message {
	body := make([]byte, 1024)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	return queue.NewBinary(body, map[string]string{"persistent": "true"})
}

// BenchmarkStatsHop times n messages from an in-memory source to a stage
// that confirms at once, directly and through a transfer.stats stage:
// the difference is the cost of one middle stage per message (two actor
// hops, its bookkeeping and its counting).
func BenchmarkStatsHop(b *testing.B) {
	for _, viaStats := range []bool{false, true} {
		name := map[bool]string{false: "direct", true: "via-stats"}[viaStats]
		b.Run(name, func(b *testing.B) {
			sink := kindtest.Script(b, func(ctx actor.Context, d *queue.Deliver) {
				queue.Answer(ctx, ctx.Sender(), d.ID, nil)
			})
			p := &benchProbe{msg: benchMessage(), done: make(chan error, 1)}
			benchProbes.Store(b.Name(), p)
			defer benchProbes.Delete(b.Name())
			next, stats := "sink", ""
			if viaStats {
				next = "stats"
				stats = "  - {name: stats, kind: transfer.stats, with: {to: sink}}\n"
			}
			forgetStatistics("hop/stats")
			defer forgetStatistics("hop/stats")
			yaml := fmt.Sprintf(`name: hop
strategy: rest_for_one
children:
  - {name: sink, kind: %s, with: {script: %q}}
%s  - {name: source, kind: %s, restart: temporary, with: {to: %s, probe: %q, n: %d}}
`, kindtest.ScriptKind, sink, stats, benchSourceKind, next, b.Name(), b.N)
			b.ReportAllocs()
			b.ResetTimer()
			runBenchTree(b, yaml, p)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/p.end.Sub(p.start).Seconds(), "msg/s")
		})
	}
}

// runBenchTree runs the tree until the probe reports.
func runBenchTree(b *testing.B, yaml string, p *benchProbe) {
	b.Helper()
	if err := kindtest.RunUntil(b, yaml, p.done); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTransferQueue moves n 1 KiB messages from one directory queue
// to another (tmpfs when there is one): with a bare loop (lock, read,
// add, remove, one element after the other) and with a transfer app
// (queue.reader → transfer.stats → queue.writer, window 100, loop:
// false). Both do the same file work; the difference is the pipeline.
func BenchmarkTransferQueue(b *testing.B) {
	for _, tree := range []bool{false, true} {
		name := map[bool]string{false: "bare", true: "tree"}[tree]
		b.Run(name, func(b *testing.B) {
			dir, _ := proctest.ScratchDir(b)
			in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			src := kindtest.OpenDQS(b, in)
			m := benchMessage()
			for range b.N {
				if _, err := src.AddMessage(m); err != nil {
					b.Fatal(err)
				}
			}
			dst := kindtest.OpenDQS(b, out)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if tree {
				forgetStatistics("tq/copy/stats")
				defer forgetStatistics("tq/copy/stats")
				runFinite(b, fmt.Sprintf(`name: tq
children:
  - name: copy
    app: transfer
    from: {queue: {path: %s}}
    to: {queue: {path: %s}}
    loop: false
    window: 100
    purge: false
`, in, out))
			} else {
				bareQueueCopy(b, src, dst)
			}
			d := time.Since(start)
			b.StopTimer()
			if n := kindtest.Count(b, out); n != b.N {
				b.Fatalf("destination holds %d messages, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/d.Seconds(), "msg/s")
		})
	}
}

// runFinite runs a tree that ends by itself until it does.
func runFinite(b *testing.B, yaml string) {
	b.Helper()
	tr, err := supervision.LoadBytes(b.Name()+".yaml", []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		b.Fatal(err)
	}
	select {
	case <-r.Done():
		if err := r.Wait(); err != nil {
			b.Fatalf("the tree ended with %v", err)
		}
	case <-time.After(5 * time.Minute):
		_ = r.Stop(context.Background())
		b.Fatal("the tree did not end by itself")
	}
}

// runCounted runs a tree that ends by itself and returns the time its
// stats stage at statsPath took to count b.N messages: the stop that
// follows is not throughput (RabbitMQ 3.10 leaves AMQP detaches
// unanswered, so closing a link waits for a timeout).
func runCounted(b *testing.B, statsPath, yaml string) time.Duration {
	b.Helper()
	start := time.Now()
	counted := func() bool {
		st, _ := TransferStatistics(statsPath)
		return st.Messages >= int64(b.N)
	}
	var took time.Duration
	stop, polled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(polled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for !counted() {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
		took = time.Since(start)
	}()
	stopPolling := sync.OnceFunc(func() { close(stop); <-polled })
	defer stopPolling() // also when runFinite fails the benchmark
	runFinite(b, yaml)
	stopPolling()
	if took == 0 && counted() {
		took = time.Since(start) // counted between the last poll and the end
	}
	if took == 0 {
		b.Fatalf("%s did not count %d messages", statsPath, b.N)
	}
	return took
}

// bareQueueCopy moves every element of src to dst, one after the other.
func bareQueueCopy(b *testing.B, src, dst queue.Queue) {
	for name, err := range src.Names() {
		if err != nil {
			b.Fatal(err)
		}
		if ok, err := src.Lock(name); err != nil || !ok {
			b.Fatalf("lock %s: %v %v", name, ok, err)
		}
		m, err := src.GetMessage(name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dst.AddMessage(m); err != nil {
			b.Fatal(err)
		}
		if err := src.Remove(name); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransferBroker moves n 1 KiB messages queue → broker → queue
// through two transfer apps run in this process (so that -cpuprofile sees
// them): the sending one ends when its source is drained (loop: false),
// the receiving one after n messages (count). Against RabbitMQ's STOMP and
// AMQP 1.0 endpoints, on one durable queue; each direction is reported in
// msg/s and in CPU microseconds per message used by this process (what
// an MTA costs: `bricks run` runs the same trees).
func BenchmarkTransferBroker(b *testing.B) {
	for _, c := range []struct {
		name string
		get  func(testing.TB) brokertest.Broker
		dest string
	}{
		{"RabbitMQ-STOMP", brokertest.RabbitSTOMP, "/queue/" + transferBenchQueue},
		{"RabbitMQ-AMQP", brokertest.RabbitAMQP, "/amq/queue/" + transferBenchQueue},
	} {
		b.Run(c.name, func(b *testing.B) {
			br := c.get(b)
			brokertest.DeclareRabbitQueue(b, transferBenchQueue)
			dir, _ := proctest.ScratchDir(b)
			in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
			src := kindtest.OpenDQS(b, in)
			m := benchMessage()
			for range b.N {
				if _, err := src.AddMessage(m); err != nil {
					b.Fatal(err)
				}
			}
			broker := fmt.Sprintf("{uri: %q, destination: %q, auth: {name: %q, pass: %q}}", br.URI, c.dest, br.Login, br.Passcode)
			forgetStatistics("tb/out/stats", "tb/in/stats")
			defer forgetStatistics("tb/out/stats", "tb/in/stats")
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			sent := runCounted(b, "tb/out/stats", fmt.Sprintf(`name: tb
children:
  - {name: out, app: transfer, from: {queue: {path: %q}}, to: {broker: %s}, loop: false, window: 100, purge: false}
`, in, broker))
			cpu1 := cpuSeconds()
			received := runCounted(b, "tb/in/stats", fmt.Sprintf(`name: tb
children:
  - {name: in, app: transfer, from: {broker: %s}, to: {queue: {path: %q}}, count: %d, prefetch: 100, purge: false}
`, broker, out, b.N))
			cpu2 := cpuSeconds()
			b.StopTimer()
			if n := kindtest.Count(b, out); n != b.N {
				b.Errorf("destination holds %d messages, want %d", n, b.N)
			}
			b.ReportMetric(float64(b.N)/sent.Seconds(), "send-msg/s")
			b.ReportMetric(float64(b.N)/received.Seconds(), "consume-msg/s")
			b.ReportMetric((cpu1-cpu0)*1e6/float64(b.N), "send-cpu-µs/msg")
			b.ReportMetric((cpu2-cpu1)*1e6/float64(b.N), "consume-cpu-µs/msg")
		})
	}
}

// cpuSeconds is the CPU time (user + system) this process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// transferBenchQueue is BenchmarkTransferBroker's RabbitMQ queue.
const transferBenchQueue = "bricks-apps-transferbench"
