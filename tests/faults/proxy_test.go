package faults

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxy is a TCP server on 127.0.0.1 in front of a broker: it counts and
// timestamps the connections it accepts, and either forwards them to the
// broker or, while fake says so, plays a broken server instead.
type proxy struct {
	l        net.Listener
	upstream string
	// fake, when set, is called with the number (0, 1, ...) of each
	// accepted connection; if it returns a function, that function serves
	// the connection instead of the broker (and the proxy closes it after).
	fake func(n int) func(net.Conn)

	mu       sync.Mutex
	accepted []time.Time
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

// newProxy listens on a free port and forwards to upstream; it is closed,
// with every connection, when the test ends.
func newProxy(t testing.TB, upstream string, fake func(n int) func(net.Conn)) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l, upstream: upstream, fake: fake, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// addr is the proxy's host:port.
func (p *proxy) addr() string { return p.l.Addr().String() }

// count returns how many connections were accepted so far.
func (p *proxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.accepted)
}

// countWithin returns how many connections were accepted within d of the
// first one.
func (p *proxy) countWithin(d time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, at := range p.accepted {
		if at.Sub(p.accepted[0]) <= d {
			n++
		}
	}
	return n
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		n := len(p.accepted)
		p.accepted = append(p.accepted, time.Now())
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.drop(c)
			if p.fake != nil {
				if serve := p.fake(n); serve != nil {
					serve(c)
					return
				}
			}
			p.forward(c)
		}()
	}
}

// forward copies both ways between c and a new connection to the upstream
// until either side closes.
func (p *proxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer p.drop(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}

func (p *proxy) drop(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *proxy) close() {
	_ = p.l.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
