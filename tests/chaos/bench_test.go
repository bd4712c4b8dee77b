package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	gostomp "github.com/go-stomp/stomp/v3"
	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokerbench"
	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
	"github.com/bricksmq/bricks/queue"
)

// benchQueue prefixes the RabbitMQ queue of a benchmark run: durable,
// declared by a STOMP SUBSCRIBE (AMQP 1.0 reaches it as /amq/queue/NAME),
// fresh for every run so that nothing an interrupted run left can shift
// the counts, and deleted when the tests end.
const benchQueue = "bricks-transferbench"

// benchSize is the body size of the benchmarks' messages (persistent).
const benchSize = 1024

// idleSettle is how long an MTA runs idle (connected, polling an empty
// queue) before its resident memory is read.
const idleSettle = 2 * time.Second

// idleAfterLoad is how long the receiver MTA runs idle after its load
// before its memory is read: bricks returns the load's heap headroom to
// the system every 15 s (cmd/bricks/gc.go).
const idleAfterLoad = 17 * time.Second

// benchRounds is the default number of rounds (BRICKS_BENCH_ROUNDS
// overrides it): each round runs the bare loops and the MTAs once, and
// the metrics are medians over the rounds, so that a bare loop and the
// MTA it is compared with see the same machine conditions.
const benchRounds = 3

// transferBench is one protocol's benchmark against one broker.
type transferBench struct {
	broker brokertest.Broker
	proto  string // "stomp" or "amqp"
	dest   string // the queue, as the protocol names it
	body   []byte
	dir    string // scratch directory (tmpfs when available)
	logs   string
	runs   int // MTA runs so far: each gets queues of its own
}

// queueDir returns the path of a queue of the current MTA run.
func (bb *transferBench) queueDir(name string) string {
	return filepath.Join(bb.dir, fmt.Sprintf("%s-%d", name, bb.runs))
}

// round is what one round measured: times, CPU used by the MTA process
// and by the bare loop's process (this one), in seconds, and memory.
type round struct {
	bareSend, mtaSend, bareConsume, mtaConsume time.Duration
	qSend, qConsume                            time.Duration      // the bare loops with the MTA's queue work
	cpu                                        map[string]float64 // "bare-send", "mta-send", ... -> CPU seconds
	idleOut, idleIn, peakOut, peakIn           int
}

// BenchmarkTransfer moves b.N persistent 1 KiB messages queue → broker and
// broker → queue through `bricks run` MTAs (one transfer app each, window
// 100, queues on /dev/shm) and through the bare client loops of
// internal/brokerbench/bare (go-stomp frames / go-amqp, window 100, the
// MTA's prefetch), against RabbitMQ STOMP and AMQP 1.0, in interleaved
// rounds (benchRounds). Metrics, medians over the rounds: msg/s of each,
// the MTA's share of the bare loop (median of the rounds' shares; target
// ≥ 90%), CPU microseconds per message of the MTA process and of the bare
// loop's, and resident memory in MB: of the sender MTA idle before any
// load (VmRSS after idleSettle; target < 30), of the receiver MTA idle
// after its load (after idleAfterLoad), and the peak of both under load (VmHWM; target < 100).
// The bare loops touch no disk; the MTAs read and write their queues
// (tmpfs). So each round also runs the bare loops doing the MTA's queue
// work (lock, read, send, remove on the receipt; receive, add, then ack),
// without actors: the MTA's share of those ("send-%-of-bare-queue") is
// what the actor pipeline costs, the rest is the queue's file work.
//
//	go test -run '^$' -bench Transfer -benchtime 5000x ./tests/chaos/
func BenchmarkTransfer(b *testing.B) {
	rounds := benchRounds
	if v, err := strconv.Atoi(os.Getenv("BRICKS_BENCH_ROUNDS")); err == nil && v > 0 {
		rounds = v
	}
	for _, tb := range []struct {
		name   string
		broker func(testing.TB) brokertest.Broker
		proto  string
		dest   string
	}{
		{"RabbitMQ-STOMP", brokertest.RabbitSTOMP, "stomp", "/queue/"},
		{"RabbitMQ-AMQP", brokertest.RabbitAMQP, "amqp", "/amq/queue/"},
	} {
		b.Run(tb.name, func(b *testing.B) {
			body := make([]byte, benchSize)
			for i := range body {
				body[i] = byte('a' + i%26)
			}
			dir, where := proctest.ScratchDir(b)
			name := fmt.Sprintf("%s-%d", benchQueue, time.Now().UnixNano())
			brokertest.DeclareRabbitQueue(b, name)
			bb := &transferBench{broker: tb.broker(b), proto: tb.proto, dest: tb.dest + name, body: body, dir: dir, logs: b.TempDir()}
			b.Logf("queues on %s; load average %s", where, brokerbench.LoadAverage())
			bb.run(b, b.N, rounds)
		})
	}
}

// run measures n messages each way, bare then MTA, rounds times, and
// reports the medians.
func (bb *transferBench) run(b *testing.B, n, rounds int) {
	if n == 1 { // the testing package's probe run: nothing to compare
		rounds = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute*time.Duration(rounds))
	defer cancel()
	b.StopTimer()
	var rs []round
	for i := range rounds {
		r := round{cpu: map[string]float64{}}
		var err error
		if r.bareSend, r.cpu["bare-send"], err = selfCPU(func() (time.Duration, error) { return bb.bareSend(ctx, n, nil, nil) }); err != nil {
			b.Fatalf("bare send: %v", err)
		}
		if r.bareConsume, r.cpu["bare-consume"], err = selfCPU(func() (time.Duration, error) { return bb.bareConsume(ctx, n, nil) }); err != nil {
			b.Fatalf("bare consume: %v", err)
		}
		if r.qSend, r.cpu["bare-queue-send"], err = selfCPU(func() (time.Duration, error) { return bb.bareQueueSend(ctx, b, n) }); err != nil {
			b.Fatalf("bare queue send: %v", err)
		}
		if r.qConsume, r.cpu["bare-queue-consume"], err = selfCPU(func() (time.Duration, error) { return bb.bareQueueConsume(ctx, b, n) }); err != nil {
			b.Fatalf("bare queue consume: %v", err)
		}
		b.StartTimer()
		r.mtaSend, r.cpu["mta-send"], r.idleOut, r.peakOut = bb.mtaSend(b, n)
		r.mtaConsume, r.cpu["mta-consume"], r.idleIn, r.peakIn = bb.mtaConsume(b, n)
		b.StopTimer()
		rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
		b.Logf("%s round %d/%d, %d msgs: send bare %.0f/s, MTA %.0f/s (%.0f%%), bare with queue %.0f/s (MTA %.0f%%); "+
			"consume bare %.0f/s, MTA %.0f/s (%.0f%%), bare with queue %.0f/s (MTA %.0f%%); "+
			"CPU µs/msg send bare %.0f, MTA %.0f; consume bare %.0f, MTA %.0f; "+
			"RSS idle sender %d KiB, receiver idle after its load %d KiB; peak sender %d KiB, receiver %d KiB; load average %s",
			bb.proto, i+1, rounds, n, rate(r.bareSend), rate(r.mtaSend), 100*r.bareSend.Seconds()/r.mtaSend.Seconds(),
			rate(r.qSend), 100*r.qSend.Seconds()/r.mtaSend.Seconds(),
			rate(r.bareConsume), rate(r.mtaConsume), 100*r.bareConsume.Seconds()/r.mtaConsume.Seconds(),
			rate(r.qConsume), 100*r.qConsume.Seconds()/r.mtaConsume.Seconds(),
			perMsg(r.cpu["bare-send"], n), perMsg(r.cpu["mta-send"], n), perMsg(r.cpu["bare-consume"], n), perMsg(r.cpu["mta-consume"], n),
			r.idleOut, r.idleIn, r.peakOut, r.peakIn, brokerbench.LoadAverage())
		rs = append(rs, r)
	}
	med := func(f func(round) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	b.ReportMetric(med(func(r round) float64 { return rate(r.bareSend) }), "bare-send-msg/s")
	b.ReportMetric(med(func(r round) float64 { return rate(r.mtaSend) }), "mta-send-msg/s")
	b.ReportMetric(med(func(r round) float64 { return 100 * r.bareSend.Seconds() / r.mtaSend.Seconds() }), "send-%-of-bare")
	b.ReportMetric(med(func(r round) float64 { return rate(r.bareConsume) }), "bare-consume-msg/s")
	b.ReportMetric(med(func(r round) float64 { return rate(r.mtaConsume) }), "mta-consume-msg/s")
	b.ReportMetric(med(func(r round) float64 { return 100 * r.bareConsume.Seconds() / r.mtaConsume.Seconds() }), "consume-%-of-bare")
	b.ReportMetric(med(func(r round) float64 { return rate(r.qSend) }), "bare-queue-send-msg/s")
	b.ReportMetric(med(func(r round) float64 { return 100 * r.qSend.Seconds() / r.mtaSend.Seconds() }), "send-%-of-bare-queue")
	b.ReportMetric(med(func(r round) float64 { return rate(r.qConsume) }), "bare-queue-consume-msg/s")
	b.ReportMetric(med(func(r round) float64 { return 100 * r.qConsume.Seconds() / r.mtaConsume.Seconds() }), "consume-%-of-bare-queue")
	for _, k := range []string{"bare-send", "mta-send", "bare-consume", "mta-consume", "bare-queue-send", "bare-queue-consume"} {
		b.ReportMetric(med(func(r round) float64 { return perMsg(r.cpu[k], n) }), k+"-cpu-µs/msg")
	}
	b.ReportMetric(float64(rs[0].idleOut)/1024, "idle-RSS-MB")
	b.ReportMetric(med(func(r round) float64 { return float64(r.idleIn) / 1024 }), "after-load-RSS-MB")
	b.ReportMetric(med(func(r round) float64 { return float64(max(r.peakOut, r.peakIn)) / 1024 }), "load-HWM-MB")
}

// perMsg converts CPU seconds for n messages to microseconds per message.
func perMsg(sec float64, n int) float64 { return sec * 1e6 / float64(n) }

// selfCPU runs f and returns its result and the CPU time (user + system,
// seconds) this process used meanwhile: the bare loop's cost.
func selfCPU(f func() (time.Duration, error)) (time.Duration, float64, error) {
	before := rusageSeconds()
	d, err := f()
	return d, rusageSeconds() - before, err
}

func rusageSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// procCPU returns the CPU time (user + system, seconds) process pid used
// so far, from /proc/PID/stat.
func procCPU(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) is parenthesised and may hold spaces:
	// fields are counted after its closing parenthesis.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		b.Fatalf("/proc/%d/stat: %v", pid, err)
	}
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// bareSend times the bare loop sending n messages, window 100: bodies
// from body(i) and confirmed(i) told of each confirmation when they are
// not nil (the queue variant), else bb.body.
func (bb *transferBench) bareSend(ctx context.Context, n int, body func(int) ([]byte, error), confirmed func(int) error) (time.Duration, error) {
	if body == nil {
		body = func(int) ([]byte, error) { return bb.body, nil }
	}
	br := bb.broker
	if bb.proto == "stomp" {
		c, err := bare.DialSTOMP(ctx, br.Addr, br.Login, br.Passcode, br.VirtualHost)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		start := time.Now()
		err = c.SendEach(bb.dest, n, stomp.DefaultWindow, body, confirmed)
		return time.Since(start), err
	}
	c, sess, err := bb.dialAMQP(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	s, err := sess.NewSender(ctx, bb.dest, nil)
	if err != nil {
		return 0, fmt.Errorf("go-amqp sender %s: %w", bb.dest, err)
	}
	start := time.Now()
	err = bare.AMQPSendEach(ctx, s, n, amqp.DefaultWindow, body, confirmed, true)
	return time.Since(start), err
}

// bareConsume times the bare loop acknowledging n messages one by one,
// giving each to got first when it is not nil (the queue variant).
func (bb *transferBench) bareConsume(ctx context.Context, n int, got func(*queue.Message) error) (time.Duration, error) {
	var gotSTOMP func(*gostomp.Message) error
	var gotAMQP func(*goamqp.Message) error
	if got != nil {
		gotSTOMP = func(m *gostomp.Message) error {
			return got(stomp.FrameToMessage(&frame.Frame{Command: frame.MESSAGE, Header: m.Header, Body: m.Body}))
		}
		gotAMQP = func(m *goamqp.Message) error {
			qm, err := amqp.FromAMQP(m)
			if err != nil {
				return err
			}
			return got(qm)
		}
	}
	br := bb.broker
	if bb.proto == "stomp" {
		c, err := bare.DialGoStomp(br.Addr, br.Login, br.Passcode, br.VirtualHost, stomp.DefaultPrefetch)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		err = bare.GoStompConsumeEach(c, bb.dest, n, stomp.DefaultPrefetch, gotSTOMP)
		d := time.Since(start)
		return d, errors.Join(err, c.Disconnect())
	}
	c, sess, err := bb.dialAMQP(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	r, err := sess.NewReceiver(ctx, bb.dest, &goamqp.ReceiverOptions{Credit: -1})
	if err != nil {
		return 0, fmt.Errorf("go-amqp receiver %s: %w", bb.dest, err)
	}
	start := time.Now()
	err = bare.AMQPConsumeEach(ctx, r, n, amqp.DefaultCredit, gotAMQP)
	return time.Since(start), err
}

// bareQueueSend times the bare loop doing a queue → broker MTA's work: n
// messages added to a queue beforehand are locked and read in queue order,
// sent (window 100), and each removed once confirmed.
func (bb *transferBench) bareQueueSend(ctx context.Context, b *testing.B, n int) (time.Duration, error) {
	bb.runs++
	dir := bb.queueDir("bare-out")
	defer os.RemoveAll(dir)
	q := kindtest.OpenDQS(b, dir)
	for i := range n {
		if _, err := q.AddMessage(queue.NewBinary(bb.body, map[string]string{"seq": strconv.Itoa(i)})); err != nil {
			return 0, err
		}
	}
	next, stop := iter.Pull2(q.Names())
	defer stop()
	var mu sync.Mutex // names is written by the sending goroutine, read by the receipt one
	names := make([]string, n)
	body := func(i int) ([]byte, error) {
		for {
			name, err, ok := next()
			if !ok || err != nil {
				return nil, errors.Join(err, fmt.Errorf("queue %s: ran out at %d of %d", dir, i, n))
			}
			if locked, err := q.Lock(name); err != nil || !locked {
				continue
			}
			m, err := q.GetMessage(name)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			names[i] = name
			mu.Unlock()
			return m.Body, nil
		}
	}
	confirmed := func(i int) error {
		mu.Lock()
		name := names[i]
		mu.Unlock()
		return q.Remove(name)
	}
	return bb.bareSend(ctx, n, body, confirmed)
}

// bareQueueConsume times the bare loop doing a broker → queue MTA's work:
// each of n messages is added to a queue, then acknowledged.
func (bb *transferBench) bareQueueConsume(ctx context.Context, b *testing.B, n int) (time.Duration, error) {
	bb.runs++
	dir := bb.queueDir("bare-in")
	defer os.RemoveAll(dir)
	q := kindtest.OpenDQS(b, dir)
	return bb.bareConsume(ctx, n, func(m *queue.Message) error {
		_, err := q.AddMessage(m)
		return err
	})
}

func (bb *transferBench) dialAMQP(ctx context.Context) (*goamqp.Conn, *goamqp.Session, error) {
	c, err := goamqp.Dial(ctx, "amqp://"+bb.broker.Addr,
		&goamqp.ConnOptions{SASLType: goamqp.SASLTypePlain(bb.broker.Login, bb.broker.Passcode)})
	if err != nil {
		return nil, nil, fmt.Errorf("go-amqp %s: %w", bb.broker.Addr, err)
	}
	s, err := c.NewSession(ctx, nil)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("go-amqp %s: session: %w", bb.broker.Addr, err)
	}
	return c, s, nil
}

// brokerYAML is the `broker:` mapping of a transfer end.
func (bb *transferBench) brokerYAML() string {
	br := bb.broker
	s := fmt.Sprintf(`{uri: %q, destination: %q, auth: {scheme: plain, name: %q, pass: %q}`,
		br.URI, bb.dest, br.Login, br.Passcode)
	if br.VirtualHost != "" {
		s += fmt.Sprintf(", virtual_host: %q", br.VirtualHost)
	}
	return s + "}"
}

// prefetch is the MTA receiver's prefetch: the bare loop's.
func (bb *transferBench) prefetch() int {
	if bb.proto == "stomp" {
		return stomp.DefaultPrefetch
	}
	return amqp.DefaultCredit
}

// mtaSend runs a queue → broker MTA idle, reads its resident memory, then
// hands it n messages at once (intermediate directories of a queue filled
// beforehand, renamed into its source) and times until the source is
// empty: every message confirmed by the broker and removed. It returns the
// time, the MTA's CPU seconds meanwhile, and its memory idle and at its
// peak, in KiB.
func (bb *transferBench) mtaSend(b *testing.B, n int) (d time.Duration, cpu float64, idle, peak int) {
	bb.runs++
	src, staging := bb.queueDir("out"), bb.queueDir("staging")
	kindtest.OpenDQS(b, src) // exists before the MTA looks
	mta := runBricks(b, bb.logs, "sender", fmt.Sprintf(`name: sender
children:
  - name: out
    app: transfer
    from: {queue: {path: %q, poll: 10ms}}
    to: {broker: %s}
    window: 100
`, src, bb.brokerYAML()))
	idle = bb.idleRSS(b, mta, idleSettle)
	b.StopTimer()
	q := kindtest.OpenDQS(b, staging)
	for i := range n {
		if _, err := q.AddMessage(queue.NewBinary(bb.body, map[string]string{"seq": strconv.Itoa(i)})); err != nil {
			b.Fatal(err)
		}
	}
	idirs, err := os.ReadDir(staging)
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	cpu0 := procCPU(b, mta.Pid())
	start := time.Now()
	for _, e := range idirs {
		if e.IsDir() {
			if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(src, e.Name())); err != nil {
				b.Fatal(err)
			}
		}
	}
	poll(b, mta, "the source drained", func() bool { return kindtest.Count(b, src) == 0 })
	d = time.Since(start)
	cpu = procCPU(b, mta.Pid()) - cpu0
	peak = bb.stop(b, mta)
	if err := errors.Join(os.RemoveAll(staging), os.RemoveAll(src)); err != nil {
		b.Fatal(err)
	}
	return d, cpu, idle, peak
}

// mtaConsume runs a broker → queue MTA on the n messages mtaSend left on
// the broker and times from the first element in its queue to the n-th
// (the connection set-up is the idle part, not throughput). It returns
// the time, the MTA's CPU seconds meanwhile, and its memory idle
// (measured once it is done, connected and waiting) and at its peak, in
// KiB.
func (bb *transferBench) mtaConsume(b *testing.B, n int) (d time.Duration, cpu float64, idle, peak int) {
	bb.runs++
	dst := bb.queueDir("in")
	mta := runBricks(b, bb.logs, "receiver", fmt.Sprintf(`name: receiver
children:
  - name: in
    app: transfer
    from: {broker: %s}
    to: {queue: {path: %q}}
    prefetch: %d
`, bb.brokerYAML(), dst, bb.prefetch()))
	var start time.Time
	poll(b, mta, "the first message", func() bool {
		_, err := os.Stat(dst)
		return err == nil && kindtest.Count(b, dst) > 0
	})
	start = time.Now()
	cpu0 := procCPU(b, mta.Pid())
	poll(b, mta, "every message", func() bool { return kindtest.Count(b, dst) >= n })
	d = time.Since(start)
	cpu = procCPU(b, mta.Pid()) - cpu0
	b.StopTimer()
	idle = bb.idleRSS(b, mta, idleAfterLoad)
	peak = bb.stop(b, mta)
	if got := kindtest.Count(b, dst); got != n {
		// Tell duplicates written by the MTA (same seq) from messages
		// the broker held before (no seq: the bare loops').
		q, seqs, noSeq := kindtest.OpenDQS(b, dst), map[string]bool{}, 0
		for name, err := range q.Names() {
			if err != nil {
				b.Fatal(err)
			}
			if ok, err := q.Lock(name); err != nil || !ok {
				b.Fatalf("lock %s: %v %v", name, ok, err)
			}
			m, err := q.GetMessage(name)
			if err != nil {
				b.Fatal(err)
			}
			if s, ok := m.Header["seq"]; ok {
				seqs[s] = true
			} else {
				noSeq++
			}
		}
		b.Errorf("destination holds %d messages, want %d: %d distinct seq headers, %d without seq", got, n, len(seqs), noSeq)
	}
	if err := os.RemoveAll(dst); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	return d, cpu, idle, peak
}

// idleRSS lets mta run idle for settle and returns its VmRSS in KiB.
func (bb *transferBench) idleRSS(b *testing.B, mta *proctest.Proc, settle time.Duration) int {
	time.Sleep(settle)
	if done, err := mta.Exited(); done {
		b.Fatalf("%s exited (%v); log:\n%s", mta.Name, err, mta.Tail(30))
	}
	kib, err := mta.MemoryKiB("VmRSS")
	if err != nil {
		b.Fatal(err)
	}
	return kib
}

// stop reads mta's peak resident memory (VmHWM, KiB) and stops it.
func (bb *transferBench) stop(b *testing.B, mta *proctest.Proc) int {
	kib, err := mta.MemoryKiB("VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	if err := mta.Stop(b, syscall.SIGTERM); err != nil {
		b.Errorf("%s stopped by SIGTERM: %v\n%s", mta.Name, err, mta.Tail(30))
	}
	return kib
}

// poll checks cond every 10 ms (the rates are read from it) until it holds;
// it fails b if p exits first or after five minutes (a hang).
func poll(b *testing.B, p *proctest.Proc, what string, cond func() bool) {
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		if done, err := p.Exited(); done {
			b.Fatalf("waiting for %s: %s exited (%v); log:\n%s", what, p.Name, err, p.Tail(30))
		}
		if time.Now().After(deadline) {
			b.Fatalf("gave up waiting for %s; %s log:\n%s", what, p.Name, p.Tail(30))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
