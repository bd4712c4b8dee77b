package stomp

import (
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

func (fb *fakeBroker) addr() string { return fb.ln.Addr().String() }

func (fb *fakeBroker) sent() []*frame.Frame {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return append([]*frame.Frame(nil), fb.sends...)
}

// serveSTOMP is a well-behaved minimal broker: CONNECTED (with heartBeat),
// a RECEIPT for every frame asking one, SEND frames recorded, no beats.
func serveSTOMP(heartBeat string) func(fb *fakeBroker, nc net.Conn) {
	return func(fb *fakeBroker, nc net.Conn) {
		r, w := frame.NewReader(nc), frame.NewWriter(nc)
		for {
			f, err := r.Read()
			if err != nil {
				return
			}
			if f == nil {
				continue
			}
			switch f.Command {
			case frame.CONNECT, frame.STOMP:
				if w.Write(frame.New(frame.CONNECTED, "version", "1.2", "heart-beat", heartBeat, "server", "fake/1")) != nil {
					return
				}
				continue
			case frame.SEND:
				fb.mu.Lock()
				fb.sends = append(fb.sends, f)
				fb.mu.Unlock()
			}
			if id, ok := f.Header.Contains(frame.Receipt); ok {
				if w.Write(frame.New(frame.RECEIPT, frame.ReceiptId, id)) != nil {
					return
				}
			}
			if f.Command == frame.DISCONNECT {
				return
			}
		}
	}
}
