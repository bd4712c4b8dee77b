package embedded

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"
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

type benchClient struct {
	nc net.Conn
	r  *frame.Reader
	w  *frame.Writer
}

func dialBench(b *testing.B, addr string) *benchClient {
	b.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := &benchClient{nc: nc, r: frame.NewReaderSize(nc, 64<<10), w: frame.NewWriter(nc)}
	if err := c.w.Write(frame.New(frame.CONNECT, frame.AcceptVersion, "1.2", frame.Host, "bench", frame.HeartBeat, "0,0")); err != nil {
		b.Fatal(err)
	}
	if f, err := c.r.Read(); err != nil || f.Command != frame.CONNECTED {
		b.Fatalf("CONNECT: %v %v", f, err)
	}
	return c
}

// send writes n SEND frames with receipts, at most benchWindow unanswered.
func (c *benchClient) send(b *testing.B, dest string, n int) {
	tokens := make(chan struct{}, benchWindow)
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			tokens <- struct{}{}
			f := frame.New(frame.SEND, frame.Destination, dest, "persistent", "true",
				frame.ContentType, "application/octet-stream", frame.ContentLength, "1024", frame.Receipt, strconv.Itoa(i))
			f.Body = benchBody
			if err := c.w.Write(f); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < n; i++ {
		f, err := c.r.Read()
		if err != nil {
			b.Fatal(err)
		}
		if f == nil {
			i--
			continue
		}
		if f.Command != frame.RECEIPT {
			b.Fatalf("got %s %v", f.Command, f.Header)
		}
		<-tokens
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

// ackBatch is how many ACKs the consuming client writes per socket write,
// as a batching client does (the broker's prefetch of 1000 keeps messages
// flowing meanwhile).
const ackBatch = 50

// consume subscribes with client-individual acks and acks n messages, one
// ACK frame per message.
func (c *benchClient) consume(b *testing.B, dest string, n int) {
	if err := c.w.Write(frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, "s",
		frame.Ack, frame.AckClientIndividual, "prefetch-count", "1000")); err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(c.nc, 16<<10)
	w := frame.NewWriter(laterFlush{bw})
	for i := 0; i < n; i++ {
		f, err := c.r.Read()
		if err != nil {
			b.Fatal(err)
		}
		if f == nil {
			i--
			continue
		}
		if f.Command != frame.MESSAGE || len(f.Body) != len(benchBody) {
			b.Fatalf("got %s %v", f.Command, f.Header)
		}
		if err := w.Write(frame.New(frame.ACK, frame.Id, f.Header.Get(frame.Ack))); err != nil {
			b.Fatal(err)
		}
		if (i+1)%ackBatch == 0 || i == n-1 {
			if err := bw.Flush(); err != nil {
				b.Fatal(err)
			}
		}
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

func BenchmarkEmbeddedSend(b *testing.B) {
	c := dialBench(b, benchServer(b, Options{}))
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.send(b, "/queue/bench-send", b.N)
	m.report(b)
}

func BenchmarkEmbeddedConsume(b *testing.B) {
	addr := benchServer(b, Options{})
	p := dialBench(b, addr)
	defer p.nc.Close()
	p.send(b, "/queue/bench-consume", b.N)
	c := dialBench(b, addr)
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.consume(b, "/queue/bench-consume", b.N)
	m.report(b)
}

func BenchmarkEmbeddedSendDir(b *testing.B) {
	c := dialBench(b, benchServer(b, Options{Storage: StorageDir, Dir: b.TempDir()}))
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.send(b, "/queue/bench-send", b.N)
	m.report(b)
}

func BenchmarkEmbeddedConsumeDir(b *testing.B) {
	addr := benchServer(b, Options{Storage: StorageDir, Dir: b.TempDir()})
	p := dialBench(b, addr)
	defer p.nc.Close()
	p.send(b, "/queue/bench-consume", b.N)
	c := dialBench(b, addr)
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.consume(b, "/queue/bench-consume", b.N)
	m.report(b)
}

// bareServer answers CONNECT, every SEND with a RECEIPT, and a SUBSCRIBE
// with MESSAGE frames (at most 1000 unacked), storing nothing.
func bareServer(b *testing.B, messages int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				bareConn(nc, messages)
			}()
		}
	}()
	return ln.Addr().String()
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
	c := dialBench(b, bareServer(b, 0))
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.send(b, "/queue/bare", b.N)
	m.report(b)
}

func BenchmarkBareConsume(b *testing.B) {
	c := dialBench(b, bareServer(b, b.N))
	defer c.nc.Close()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	m := startMeter()
	c.consume(b, "/queue/bare", b.N)
	m.report(b)
}
