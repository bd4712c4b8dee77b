package embedded

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"

	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/internal/kindtest"
)

// The benchmarks move persistent 1 KiB messages with a window of 100
// outstanding receipts (pipelined frames written with the frame package,
// since go-stomp's Conn.Send with a receipt is stop-and-wait), and consume
// them with client-individual acks (one ACK per message, written in batches
// of ackBatch). The Bare* twins run the same client
// against a trivial server that answers every frame at once, storing
// nothing: the cost of the frame codec and the loopback TCP alone.

const benchWindow = 100

var benchBody = bytes.Repeat([]byte("x"), 1024)

// ackBatch is how many ACKs the consuming client writes per socket write,
// as a batching client does (the broker's prefetch of 1000 keeps messages
// flowing meanwhile).
const ackBatch = 50

// benchClient is the bare frame-level client of package bare, shared with
// `bricks bench broker`.
type benchClient struct{ *bare.STOMPClient }

func dialBench(b *testing.B, addr string) benchClient {
	b.Helper()
	c, err := bare.DialSTOMP(context.Background(), addr, "", "", "bench")
	if err != nil {
		b.Fatal(err)
	}
	return benchClient{c}
}

// send writes n SEND frames with receipts, at most benchWindow unanswered.
func (c benchClient) send(b *testing.B, dest string, n int) {
	if err := c.Send(dest, n, benchWindow, benchBody); err != nil {
		b.Fatal(err)
	}
}

// consume subscribes with client-individual acks (prefetch 1000) and acks
// n messages, one ACK frame per message, written ackBatch at a time.
func (c benchClient) consume(b *testing.B, dest string, n int) {
	if err := c.Consume(dest, n, 1000, ackBatch, len(benchBody)); err != nil {
		b.Fatal(err)
	}
}

// meter measures a benchmark's wall-clock rate and the CPU time the whole
// process (client and broker) spent per message: on a shared machine the
// rate follows the load, the CPU cost much less.
type meter struct {
	start time.Time
	cpu   time.Duration
}

func startMeter() meter { return meter{start: time.Now(), cpu: cpuTime()} }

func (m meter) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/time.Since(m.start).Seconds(), "msg/s")
	b.ReportMetric(float64((cpuTime()-m.cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchServer(b *testing.B, opts Options) string {
	opts.HeartBeatSend, opts.HeartBeatReceive = -1, -1
	_, tg := start(b, opts)
	return tg.Addr
}

// measure times op (benchClient.send or benchClient.consume) on b.N
// messages of dest at addr.
func measure(b *testing.B, addr, dest string, op func(benchClient, *testing.B, string, int)) {
	c := dialBench(b, addr)
	defer c.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	op(c, b, dest, b.N)
	m.report(b)
}

// fill sends b.N messages to dest at addr, before the timing starts.
func fill(b *testing.B, addr, dest string) {
	p := dialBench(b, addr)
	defer p.Close()
	p.send(b, dest, b.N)
}

func BenchmarkEmbeddedSend(b *testing.B) {
	measure(b, benchServer(b, Options{}), "/queue/bench-send", benchClient.send)
}

func BenchmarkEmbeddedConsume(b *testing.B) {
	addr := benchServer(b, Options{})
	fill(b, addr, "/queue/bench-consume")
	measure(b, addr, "/queue/bench-consume", benchClient.consume)
}

func BenchmarkEmbeddedSendDir(b *testing.B) {
	measure(b, benchServer(b, Options{Storage: StorageDir, Dir: b.TempDir()}), "/queue/bench-send", benchClient.send)
}

func BenchmarkEmbeddedConsumeDir(b *testing.B) {
	addr := benchServer(b, Options{Storage: StorageDir, Dir: b.TempDir()})
	fill(b, addr, "/queue/bench-consume")
	measure(b, addr, "/queue/bench-consume", benchClient.consume)
}

// bareServer answers CONNECT, every SEND with a RECEIPT, and a SUBSCRIBE
// with MESSAGE frames (at most 1000 unacked), storing nothing.
func bareServer(b *testing.B, messages int) string {
	return kindtest.Serve(b, func(nc net.Conn) { bareConn(nc, messages) })
}

func bareConn(nc net.Conn, messages int) {
	r, w := frame.NewReaderSize(nc, 64<<10), frame.NewWriter(nc)
	var wmu sync.Mutex
	write := func(f *frame.Frame) error { wmu.Lock(); defer wmu.Unlock(); return w.Write(f) }
	credit := make(chan struct{}, 1000)
	done := make(chan struct{})
	defer close(done)
	for {
		f, err := r.Read()
		if err != nil {
			return
		}
		if f == nil {
			continue
		}
		switch f.Command {
		case frame.CONNECT:
			err = write(frame.New(frame.CONNECTED, frame.Version, "1.2"))
		case frame.SEND:
			err = write(frame.New(frame.RECEIPT, frame.ReceiptId, f.Header.Get(frame.Receipt)))
		case frame.ACK:
			<-credit
		case frame.SUBSCRIBE:
			go func() {
				for i := 0; i < messages; i++ {
					select {
					case credit <- struct{}{}:
					case <-done:
						return
					}
					m := frame.New(frame.MESSAGE, frame.Subscription, "s", frame.MessageId, strconv.Itoa(i),
						frame.Destination, "/queue/bare", frame.Ack, strconv.Itoa(i), frame.ContentLength, "1024")
					m.Body = benchBody
					if write(m) != nil {
						return
					}
				}
			}()
		}
		if err != nil {
			return
		}
	}
}

func BenchmarkBareSend(b *testing.B) {
	measure(b, bareServer(b, 0), "/queue/bare", benchClient.send)
}

func BenchmarkBareConsume(b *testing.B) {
	measure(b, bareServer(b, b.N), "/queue/bare", benchClient.consume)
}
