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
	address  string
	upstream string
	// fake, when set, is called with the number (0, 1, ...) of each
	// accepted connection; if it returns a function, that function serves
	// the connection instead of the broker (and the proxy closes it after).
	fake func(n int) func(net.Conn)

	mu       sync.Mutex
	l        net.Listener // nil while down
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
	p := &proxy{address: l.Addr().String(), upstream: upstream, fake: fake, conns: map[net.Conn]struct{}{}}
	p.serve(l)
	t.Cleanup(p.down)
	return p
}

// addr is the proxy's host:port.
func (p *proxy) addr() string { return p.address }

func (p *proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(l)
}

// cut closes every connection, as a broker restart or a network failure
// would; new ones are accepted.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// down stops listening and closes every connection: connecting is refused
// until up. It waits for the proxy's goroutines.
func (p *proxy) down() {
	p.mu.Lock()
	if p.l != nil {
		_ = p.l.Close()
		p.l = nil
	}
	p.mu.Unlock()
	p.cut()
	p.wg.Wait()
}

// up listens again on the same address.
func (p *proxy) up(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", p.address)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(l)
}

// count returns how many connections were accepted so far.
func (p *proxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.accepted)
}

// countWithin returns how many connections were accepted within d of the
// one numbered from (0 is the first), that one included.
func (p *proxy) countWithin(from int, d time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, at := range p.accepted[from:] {
		if at.Sub(p.accepted[from]) <= d {
			n++
		}
	}
	return n
}

// since returns how long ago the connection numbered n was accepted, 0 if
// it was not yet.
func (p *proxy) since(n int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n >= len(p.accepted) {
		return 0
	}
	return time.Since(p.accepted[n])
}

func (p *proxy) accept(l net.Listener) {
	defer p.wg.Done()
	for {
		c, err := l.Accept()
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
			p.forward(c, p.upstream)
		}()
	}
}

// forwardTo is a fake that forwards to another upstream.
func (p *proxy) forwardTo(upstream string) func(net.Conn) {
	return func(c net.Conn) { p.forward(c, upstream) }
}

// forward copies both ways between c and a new connection to upstream
// until either side closes.
func (p *proxy) forward(c net.Conn, upstream string) {
	up, err := net.DialTimeout("tcp", upstream, 5*time.Second)
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
