// Package bench measures the supervision tree next to a bare protoactor-go
// parent and child doing the same work in the same process: the latency of
// restarting a crashed in-process worker, and the start time, stop time and
// memory of a tree of many workers. `bricks bench supervision` prints its
// table.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
)

// Config sizes a run.
type Config struct {
	Restarts int // back-to-back restarts of one crashing worker
	Workers  int // workers in the wide tree
}

// DefaultConfig is the run the acceptance targets are stated for.
var DefaultConfig = Config{Restarts: 10000, Workers: 10000}

// Latency summarises restart latencies.
type Latency struct {
	P50, P99, Max     time.Duration
	FirstP50, LastP50 time.Duration // over the first and last 10%: flat under a storm?
	FirstP99, LastP99 time.Duration
	Count             int
	WallPerOne        time.Duration // wall time per crash-and-restart round trip, driver included
}

// Tree is the cost of a wide tree.
type Tree struct {
	Start, Stop       time.Duration
	StartCPU, StopCPU time.Duration // CPU time of the process (user+system), all threads
	RSS, Heap         int64         // bytes added by the running tree
}

// Result is one side of the table.
type Result struct {
	Restart Latency
	Tree    Tree
}

// Run measures bricks and bare protoactor-go with cfg.
func Run(cfg Config) (bricks, bare Result, err error) {
	registerKinds()
	// The wide trees first, on a fresh heap; then the restart storms.
	if bricks.Tree, err = treeBricks(cfg.Workers); err != nil {
		return
	}
	if bare.Tree, err = treeBare(cfg.Workers); err != nil {
		return
	}
	if bricks.Restart, err = restartBricks(cfg.Restarts); err != nil {
		return
	}
	bare.Restart, err = restartBare(cfg.Restarts)
	return
}

// Print writes the side-by-side table.
func Print(w io.Writer, cfg Config, bricks, bare Result) {
	fmt.Fprintf(w, "supervision benchmark: %d restarts, %d-worker tree, GOMAXPROCS=%d, logging off\n",
		cfg.Restarts, cfg.Workers, runtime.GOMAXPROCS(0))
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		// Wall times on a busy machine include waiting for a CPU; CPU times do not.
		fmt.Fprintf(w, "load average: %s\n", strings.Join(strings.Fields(string(load))[:3], " "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\tbricks\tbare protoactor\ttarget\t")
	row := func(name string, a, b any, target string) { fmt.Fprintf(tw, "%s\t%v\t%v\t%s\t\n", name, a, b, target) }
	rb, rp := bricks.Restart, bare.Restart
	row("restart p50", us(rb.P50), us(rp.P50), "≤ 10µs")
	row("restart p99", us(rb.P99), us(rp.P99), "≤ 50µs")
	row("restart max", us(rb.Max), us(rp.Max), "")
	row("round trip per restart", us(rb.WallPerOne), us(rp.WallPerOne), "")
	row("p50 first/last 10%", us(rb.FirstP50)+" / "+us(rb.LastP50), us(rp.FirstP50)+" / "+us(rp.LastP50), "flat")
	row("p99 first/last 10%", us(rb.FirstP99)+" / "+us(rb.LastP99), us(rp.FirstP99)+" / "+us(rp.LastP99), "flat")
	tb, tp := bricks.Tree, bare.Tree
	row(fmt.Sprintf("%d-worker start", cfg.Workers), ms(tb.Start), ms(tp.Start), "≤ 50ms")
	row(fmt.Sprintf("%d-worker start CPU", cfg.Workers), ms(tb.StartCPU), ms(tp.StartCPU), "")
	row(fmt.Sprintf("%d-worker stop", cfg.Workers), ms(tb.Stop), ms(tp.Stop), "")
	row(fmt.Sprintf("%d-worker stop CPU", cfg.Workers), ms(tb.StopCPU), ms(tp.StopCPU), "")
	row("RSS delta", mb(tb.RSS), mb(tp.RSS), "≤ +30MB")
	row("heap+stacks delta", mb(tb.Heap), mb(tp.Heap), "")
	tw.Flush()
}

func us(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) + "µs" }
func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms" }
func mb(b int64) string         { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + "MB" }

var quiet = slog.New(slog.DiscardHandler)

func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quiet }))
}

// crash is what the driver sends the worker to make it panic.
type crash struct{}

// probe carries the timing between the driver and the crashing worker: the
// worker stamps the time just before it panics, its next incarnation
// measures from that stamp when it handles Started.
type probe struct {
	crashedAt atomic.Int64
	started   chan time.Duration
	self      atomic.Pointer[actor.PID] // the current incarnation
}

func (p *probe) receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		p.self.Store(ctx.Self())
		if at := p.crashedAt.Load(); at != 0 {
			p.started <- time.Duration(time.Now().UnixNano() - at)
		} else {
			p.started <- 0
		}
	case crash:
		p.crashedAt.Store(time.Now().UnixNano())
		panic("crash")
	}
}

// storm drives n back-to-back crashes and collects the latencies; pid
// returns the worker's current PID.
func storm(n int, p *probe, send func(), summary *Latency) error {
	if _, err := waitStarted(p); err != nil {
		return err
	}
	lat := make([]time.Duration, 0, n)
	t0 := time.Now()
	for range n {
		send()
		d, err := waitStarted(p)
		if err != nil {
			return err
		}
		lat = append(lat, d)
	}
	*summary = summarize(lat)
	summary.WallPerOne = time.Since(t0) / time.Duration(n)
	return nil
}

func waitStarted(p *probe) (time.Duration, error) {
	select {
	case d := <-p.started:
		return d, nil
	case <-time.After(10 * time.Second):
		return 0, fmt.Errorf("bench: the worker did not restart within 10s")
	}
}

func summarize(lat []time.Duration) Latency {
	pct := func(s []time.Duration, q float64) time.Duration {
		c := slices.Clone(s)
		slices.Sort(c)
		return c[min(len(c)-1, int(float64(len(c))*q))]
	}
	tenth := max(1, len(lat)/10)
	return Latency{P50: pct(lat, .5), P99: pct(lat, .99), Max: pct(lat, 1),
		FirstP50: pct(lat[:tenth], .5), LastP50: pct(lat[len(lat)-tenth:], .5),
		FirstP99: pct(lat[:tenth], .99), LastP99: pct(lat[len(lat)-tenth:], .99), Count: len(lat)}
}

var crasherKind = actors.Kind{Name: "bench.crasher", Summary: "panics on demand (benchmark)",
	New: func(cfg *actors.Config) (actor.Actor, error) {
		p, _ := cfg.Any("probe").(*probe)
		return actor.ReceiveFunc(p.receive), nil
	}}

var idleKind = actors.Kind{Name: "bench.idle", Summary: "does nothing (benchmark)",
	New: func(*actors.Config) (actor.Actor, error) { return actor.ReceiveFunc(func(actor.Context) {}), nil }}

// registerKinds adds the benchmark's kinds to the registry when a benchmark
// runs, not at init: they must not show in `bricks kinds`.
var registerKinds = sync.OnceFunc(func() {
	actors.Register(crasherKind)
	actors.Register(idleKind)
})

// restartBricks: a one_for_one root with a crashing worker, intensity high
// enough for the whole storm (its window is a ring of that many stamps).
func restartBricks(n int) (Latency, error) {
	p := &probe{started: make(chan time.Duration, 1)}
	w := &supervision.Node{Name: "w", Kind: crasherKind.Name, Restart: supervision.Permanent,
		With: actors.NewConfig(actors.NewSpec().Field(actors.Any("probe")), map[string]any{"probe": p})}
	root := &supervision.Node{Name: "root", Strategy: supervision.OneForOne, Intensity: n + 1, Period: time.Hour,
		Children: []*supervision.Node{w}}
	r, err := supervision.Start(context.Background(), &supervision.Tree{Root: root}, supervision.WithLogger(quiet))
	if err != nil {
		return Latency{}, err
	}
	defer r.Stop(context.Background())
	var lat Latency
	err = storm(n, p, func() { r.System().Root.Send(p.self.Load(), crash{}) }, &lat)
	return lat, err
}

// bareParent is protoactor-go's own supervision: the child restarts in place.
type bareParent struct {
	props *actor.Props
	child chan *actor.PID
}

func (b *bareParent) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		b.child <- ctx.Spawn(b.props)
	}
}

func restartBare(n int) (Latency, error) {
	sys := quietSystem()
	p := &probe{started: make(chan time.Duration, 1)}
	// Restart in place on every failure, with no failure statistics to keep.
	strategy := actor.RestartingSupervisorStrategy()
	child := make(chan *actor.PID, 1)
	parent := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &bareParent{props: actor.PropsFromFunc(p.receive), child: child}
	}, actor.WithSupervisor(strategy)))
	defer func() { _ = sys.Root.StopFuture(parent).Wait() }()
	<-child
	var lat Latency
	err := storm(n, p, func() { sys.Root.Send(p.self.Load(), crash{}) }, &lat)
	return lat, err
}

// treeBricks starts and stops a root with n idle workers.
func treeBricks(n int) (Tree, error) {
	children := make([]*supervision.Node, n)
	for i := range children {
		children[i] = &supervision.Node{Name: "w" + strconv.Itoa(i), Kind: idleKind.Name}
	}
	root := &supervision.Node{Name: "root", Strategy: supervision.OneForOne, Intensity: 1, Period: time.Second, Children: children}
	var res Tree
	sys := quietSystem() // outside the measure, as for bare protoactor
	rss0, heap0 := memory()
	t0, c0 := time.Now(), cpuTime()
	r, err := supervision.Start(context.Background(), &supervision.Tree{Root: root},
		supervision.WithActorSystem(sys), supervision.WithLogger(quiet))
	if err != nil {
		return res, err
	}
	res.Start, res.StartCPU = time.Since(t0), cpuTime()-c0
	rss1, heap1 := memory()
	res.RSS, res.Heap = rss1-rss0, heap1-heap0
	t0, c0 = time.Now(), cpuTime()
	if err := r.Stop(context.Background()); err != nil {
		return res, err
	}
	res.Stop, res.StopCPU = time.Since(t0), cpuTime()-c0
	return res, nil
}

// bareWide is a parent spawning n children at once and counting their
// Started; that is all protoactor-go does without a supervision tree.
type bareWide struct {
	n     int
	up    atomic.Int64
	ready chan struct{}
}

func (b *bareWide) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		props := actor.PropsFromFunc(func(c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok && b.up.Add(1) == int64(b.n) {
				close(b.ready)
			}
		})
		for i := range b.n {
			_, _ = ctx.SpawnNamed(props, "w"+strconv.Itoa(i))
		}
	}
}

func treeBare(n int) (Tree, error) {
	sys := quietSystem()
	var res Tree
	rss0, heap0 := memory()
	t0, c0 := time.Now(), cpuTime()
	b := &bareWide{n: n, ready: make(chan struct{})}
	parent := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return b }))
	select {
	case <-b.ready:
	case <-time.After(time.Minute):
		return res, fmt.Errorf("bench: bare tree did not start")
	}
	res.Start, res.StartCPU = time.Since(t0), cpuTime()-c0
	rss1, heap1 := memory()
	res.RSS, res.Heap = rss1-rss0, heap1-heap0
	t0, c0 = time.Now(), cpuTime()
	if err := sys.Root.StopFuture(parent).Wait(); err != nil {
		return res, err
	}
	res.Stop, res.StopCPU = time.Since(t0), cpuTime()-c0
	return res, nil
}

// cpuTime is the CPU time the process used so far (user and system): on a
// shared machine it shows the work done, which wall time cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory returns the resident set and the Go heap plus stacks in use, after
// a collection that returns freed memory to the OS.
func memory() (rss, heap int64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap = int64(ms.HeapInuse + ms.StackInuse)
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, heap
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10, heap
			}
		}
	}
	return 0, heap
}
