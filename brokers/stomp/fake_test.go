package stomp

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/go-stomp/stomp/v3/frame"
)

// fakeBroker is a tiny scriptable STOMP server on 127.0.0.1 for the failure
// cases real brokers cannot be made to produce on demand.
type fakeBroker struct {
	ln net.Listener
	// handle serves one accepted connection.
	handle func(nc net.Conn)
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	sends  []*frame.Frame
}

// newFakeBroker listens on a free port; it stops at the end of the test.
func newFakeBroker(t *testing.T, handle func(fb *fakeBroker, nc net.Conn)) *fakeBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return newFakeBrokerOn(t, ln, handle)
}

// newFakeBrokerOn serves on ln (e.g. a TLS listener).
func newFakeBrokerOn(t *testing.T, ln net.Listener, handle func(fb *fakeBroker, nc net.Conn)) *fakeBroker {
	fb := &fakeBroker{ln: ln}
	fb.handle = func(nc net.Conn) { handle(fb, nc) }
	fb.wg.Add(1)
	go fb.accept()
	t.Cleanup(fb.stop)
	return fb
}

func (fb *fakeBroker) accept() {
	defer fb.wg.Done()
	for {
		nc, err := fb.ln.Accept()
		if err != nil {
			return
		}
		fb.mu.Lock()
		fb.conns = append(fb.conns, nc)
		fb.mu.Unlock()
		fb.wg.Add(1)
		go func() {
			defer fb.wg.Done()
			defer nc.Close()
			fb.handle(nc)
		}()
	}
}

func (fb *fakeBroker) stop() {
	fb.ln.Close()
	fb.dropAll()
	fb.wg.Wait()
}

// dropAll closes every accepted connection (a broker crash, seen from the client).
func (fb *fakeBroker) dropAll() {
	fb.mu.Lock()
	for _, c := range fb.conns {
		c.Close()
	}
	fb.conns = nil
	fb.mu.Unlock()
}

func (fb *fakeBroker) uri(t *testing.T) *URI {
	t.Helper()
	u, err := ParseURI("stomp://" + fb.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// sender opens a Sender (default options, window as given) on fb.
func (fb *fakeBroker) sender(t *testing.T, window int) *Sender {
	t.Helper()
	s, err := NewSender(testCtx(t), fb.uri(t), Options{Logger: quiet()}, SenderOptions{Window: window})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (fb *fakeBroker) addr() string { return fb.ln.Addr().String() }

func (fb *fakeBroker) sent() []*frame.Frame {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return append([]*frame.Frame(nil), fb.sends...)
}

// record keeps a SEND frame for sent and returns how many were kept so far.
func (fb *fakeBroker) record(f *frame.Frame) int {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	fb.sends = append(fb.sends, f)
	return len(fb.sends)
}

// frameLoop reads the frames of nc and hands each one to handle, with a
// writer on nc, until the connection ends or handle returns false.
func frameLoop(nc net.Conn, handle func(w *frame.Writer, f *frame.Frame) bool) {
	r, w := frame.NewReader(nc), frame.NewWriter(nc)
	for {
		f, err := r.Read()
		if err != nil {
			return
		}
		if f != nil && !handle(w, f) {
			return
		}
	}
}

// writeReceipt answers f with a RECEIPT when f asks for one.
func writeReceipt(w *frame.Writer, f *frame.Frame) error {
	if id, ok := f.Header.Contains(frame.Receipt); ok {
		return w.Write(frame.New(frame.RECEIPT, frame.ReceiptId, id))
	}
	return nil
}

// answerConnect reads the CONNECT frame, writes reply as it is and returns
// the reader of what the client sends next.
func answerConnect(nc net.Conn, reply string) *bufio.Reader {
	br := bufio.NewReader(nc)
	br.ReadBytes(0)
	io.WriteString(nc, reply)
	return br
}

// replyToConnect serves a broker that answers CONNECT with reply, then
// reads everything and never answers again.
func replyToConnect(reply string) func(fb *fakeBroker, nc net.Conn) {
	return func(_ *fakeBroker, nc net.Conn) {
		io.Copy(io.Discard, answerConnect(nc, reply))
	}
}

// serveSTOMP is a well-behaved minimal broker: CONNECTED (with heartBeat),
// a RECEIPT for every frame asking one, SEND frames recorded, no beats.
func serveSTOMP(heartBeat string) func(fb *fakeBroker, nc net.Conn) {
	return serveRefusing(heartBeat, nil)
}

// serveRefusing is serveSTOMP, except that it answers each SEND for which
// refuse returns a frame with that frame (an ERROR) and ends the
// connection, as RabbitMQ and ActiveMQ do (here once the client has read
// the ERROR and closed its side). A nil refuse refuses nothing.
func serveRefusing(heartBeat string, refuse func(send *frame.Frame) *frame.Frame) func(fb *fakeBroker, nc net.Conn) {
	return func(fb *fakeBroker, nc net.Conn) {
		frameLoop(nc, func(w *frame.Writer, f *frame.Frame) bool {
			switch f.Command {
			case frame.CONNECT, frame.STOMP:
				return w.Write(frame.New(frame.CONNECTED, "version", "1.2", "heart-beat", heartBeat, "server", "fake/1")) == nil
			case frame.SEND:
				if refuse != nil {
					if e := refuse(f); e != nil {
						w.Write(e)
						// Close only once the client has: closing at once
						// would make the kernel answer the client's next
						// SEND with a reset, which may discard the ERROR
						// before the client reads it (a race that turned
						// the refusal into a plain connection loss).
						io.Copy(io.Discard, nc)
						return false
					}
				}
				fb.record(f)
			}
			return writeReceipt(w, f) == nil && f.Command != frame.DISCONNECT
		})
	}
}

// serveSubscribe answers CONNECT (no heart-beats), each SUBSCRIBE with
// answer and every other frame asking a receipt with its RECEIPT.
func serveSubscribe(answer func(w *frame.Writer, subscribe *frame.Frame)) func(fb *fakeBroker, nc net.Conn) {
	return func(_ *fakeBroker, nc net.Conn) {
		frameLoop(nc, func(w *frame.Writer, f *frame.Frame) bool {
			switch f.Command {
			case frame.CONNECT:
				w.Write(frame.New(frame.CONNECTED, "version", "1.2", "heart-beat", "0,0"))
			case frame.SUBSCRIBE:
				answer(w, f)
			default:
				writeReceipt(w, f)
			}
			return true
		})
	}
}

// confirmedIDs reads n Results from s and returns their ids; a refused
// message, or ctx ending first, fails t.
func confirmedIDs(ctx context.Context, t *testing.T, s *Sender, n int) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for len(got) < n {
		select {
		case r := <-s.Results():
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			got[r.ID] = true
		case <-ctx.Done():
			t.Fatalf("only %v confirmed of %d", got, n)
		}
	}
	return got
}
