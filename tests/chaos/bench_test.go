package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokerbench"
	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
	"github.com/bricksmq/bricks/queue"
)

// benchQueue is the RabbitMQ queue of the benchmarks: durable, declared by
// a STOMP SUBSCRIBE; AMQP 1.0 reaches it as /amq/queue/NAME.
const benchQueue = "bricks-transferbench"

// benchSize is the body size of the benchmarks' messages (persistent).
const benchSize = 1024

// idleSettle is how long an MTA runs idle (connected, polling an empty
// queue) before its resident memory is read.
const idleSettle = 2 * time.Second

// transferBench is one protocol's benchmark against one broker.
type transferBench struct {
	broker brokertest.Broker
	proto  string // "stomp" or "amqp"
	dest   string // the queue, as the protocol names it
	body   []byte
	dir    string // scratch directory (tmpfs when available)
	logs   string
}

// BenchmarkTransfer moves b.N persistent 1 KiB messages queue → broker and
// broker → queue through `bricks run` MTAs (one transfer app each, window
// 100, queues on /dev/shm) and through the bare client loops of
// internal/brokerbench/bare (go-stomp frames / go-amqp, window 100, the
// MTA's prefetch), against RabbitMQ STOMP and AMQP 1.0, in the same run.
// Metrics: msg/s of each, the MTA's share of the bare loop (target ≥ 90%),
// and resident memory in MB: of the sender MTA idle before any load
// (VmRSS after idleSettle; target < 30), of the receiver MTA idle after
// its load, and the peak of both under load (VmHWM; target < 100). The
// bare loops touch no disk; the MTAs read and write their queues (tmpfs).
//
//	go test -run '^$' -bench Transfer -benchtime 5000x ./tests/chaos/
func BenchmarkTransfer(b *testing.B) {
	for _, tb := range []struct {
		name   string
		broker func(testing.TB) brokertest.Broker
		proto  string
		dest   string
	}{
		{"RabbitMQ-STOMP", brokertest.RabbitSTOMP, "stomp", "/queue/" + benchQueue},
		{"RabbitMQ-AMQP", brokertest.RabbitAMQP, "amqp", "/amq/queue/" + benchQueue},
	} {
		b.Run(tb.name, func(b *testing.B) {
			body := make([]byte, benchSize)
			for i := range body {
				body[i] = byte('a' + i%26)
			}
			dir, where := proctest.ScratchDir(b)
			bb := &transferBench{broker: tb.broker(b), proto: tb.proto, dest: tb.dest, body: body, dir: dir, logs: b.TempDir()}
			b.Logf("queues on %s; load average %s", where, brokerbench.LoadAverage())
			bb.declare(b)
			bb.run(b, b.N)
		})
	}
}

// run measures n messages each way, bare then MTA, and reports.
func (bb *transferBench) run(b *testing.B, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.StopTimer()
	bareSend, err := bb.bareSend(ctx, n)
	if err != nil {
		b.Fatalf("bare send: %v", err)
	}
	bareConsume, err := bb.bareConsume(ctx, n)
	if err != nil {
		b.Fatalf("bare consume: %v", err)
	}
	b.StartTimer()
	mtaSend, idleOut, peakOut := bb.mtaSend(b, n)
	mtaConsume, idleIn, peakIn := bb.mtaConsume(b, n)
	b.StopTimer()
	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	b.ReportMetric(rate(bareSend), "bare-send-msg/s")
	b.ReportMetric(rate(mtaSend), "mta-send-msg/s")
	b.ReportMetric(100*bareSend.Seconds()/mtaSend.Seconds(), "send-%-of-bare")
	b.ReportMetric(rate(bareConsume), "bare-consume-msg/s")
	b.ReportMetric(rate(mtaConsume), "mta-consume-msg/s")
	b.ReportMetric(100*bareConsume.Seconds()/mtaConsume.Seconds(), "consume-%-of-bare")
	b.ReportMetric(float64(idleOut)/1024, "idle-RSS-MB")
	b.ReportMetric(float64(idleIn)/1024, "after-load-RSS-MB")
	b.ReportMetric(float64(max(peakOut, peakIn))/1024, "load-HWM-MB")
	b.Logf("%s %d msgs: send bare %.0f/s, MTA %.0f/s; consume bare %.0f/s, MTA %.0f/s; "+
		"RSS idle sender %d KiB, receiver idle after its load %d KiB; peak sender %d KiB, receiver %d KiB; load average %s",
		bb.proto, n, rate(bareSend), rate(mtaSend), rate(bareConsume), rate(mtaConsume),
		idleOut, idleIn, peakOut, peakIn, brokerbench.LoadAverage())
}

// declare makes sure the durable queue exists (a STOMP SUBSCRIBE to
// /queue/NAME declares it on RabbitMQ), by sending one message to it and
// consuming it: AMQP 1.0 cannot declare it.
func (bb *transferBench) declare(b *testing.B) {
	st := brokertest.RabbitSTOMP(b)
	c, err := bare.DialSTOMP(context.Background(), st.Addr, st.Login, st.Passcode, st.VirtualHost)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	dest := "/queue/" + benchQueue
	if err := c.Send(dest, 1, 1, bb.body); err != nil {
		b.Fatal(err)
	}
	if err := c.Consume(dest, 1, 1, 1, len(bb.body)); err != nil {
		b.Fatal(err)
	}
}

// bareSend times the bare loop sending n messages, window 100.
func (bb *transferBench) bareSend(ctx context.Context, n int) (time.Duration, error) {
	br := bb.broker
	if bb.proto == "stomp" {
		c, err := bare.DialSTOMP(ctx, br.Addr, br.Login, br.Passcode, br.VirtualHost)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		start := time.Now()
		err = c.Send(bb.dest, n, stomp.DefaultWindow, bb.body)
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
	err = bare.AMQPSend(ctx, s, n, amqp.DefaultWindow, bb.body, true)
	return time.Since(start), err
}

// bareConsume times the bare loop acknowledging n messages one by one.
func (bb *transferBench) bareConsume(ctx context.Context, n int) (time.Duration, error) {
	br := bb.broker
	if bb.proto == "stomp" {
		c, err := bare.DialGoStomp(br.Addr, br.Login, br.Passcode, br.VirtualHost, stomp.DefaultPrefetch)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		err = bare.GoStompConsume(c, bb.dest, n, stomp.DefaultPrefetch)
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
	err = bare.AMQPConsume(ctx, r, n, amqp.DefaultCredit)
	return time.Since(start), err
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
// time and the memory idle and at its peak, in KiB.
func (bb *transferBench) mtaSend(b *testing.B, n int) (d time.Duration, idle, peak int) {
	src, staging := filepath.Join(bb.dir, "out"), filepath.Join(bb.dir, "staging")
	kindtest.OpenDQS(b, src) // exists before the MTA looks
	mta := runBricks(b, bb.logs, "sender", fmt.Sprintf(`name: sender
children:
  - name: out
    app: transfer
    from: {queue: {path: %q, poll: 10ms}}
    to: {broker: %s}
    window: 100
`, src, bb.brokerYAML()))
	idle = bb.idleRSS(b, mta)
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
	peak = bb.stop(b, mta)
	return d, idle, peak
}

// mtaConsume runs a broker → queue MTA on the n messages mtaSend left on
// the broker and times from the first element in its queue to the n-th
// (the connection set-up is the idle part, not throughput). It returns
// the time and the memory idle (measured once it is done, connected and
// waiting) and at its peak, in KiB.
func (bb *transferBench) mtaConsume(b *testing.B, n int) (d time.Duration, idle, peak int) {
	dst := filepath.Join(bb.dir, "in")
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
	poll(b, mta, "every message", func() bool { return kindtest.Count(b, dst) >= n })
	d = time.Since(start)
	b.StopTimer()
	idle = bb.idleRSS(b, mta)
	peak = bb.stop(b, mta)
	if got := kindtest.Count(b, dst); got != n {
		// Tell duplicates written by the MTA (same seq) from messages
		// the broker held before (no seq: the bare loops').
		q, seqs, noSeq := kindtest.OpenDQS(b, dst), map[string]bool{}, 0
		for name, err := range q.Names() {
			if err != nil {
				b.Fatal(err)
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
	return d, idle, peak
}

// idleRSS lets mta run idle for idleSettle and returns its VmRSS in KiB.
func (bb *transferBench) idleRSS(b *testing.B, mta *proctest.Proc) int {
	time.Sleep(idleSettle)
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
