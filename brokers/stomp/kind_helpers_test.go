package stomp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// Helpers of the actor-kind tests (kind_*_test.go) that are about STOMP: an
// embedded broker, a proxy that cuts connections, and putting messages on a
// broker. Those the amqp kinds' tests share (running a tree, the messages
// a transfer must carry unchanged, queue checks) are in internal/kindtest.

// connectionYAML renders the credentials and virtual host of a real broker
// as connection fields, in YAML flow style.
func connectionYAML(b brokertest.Broker) string {
	return fmt.Sprintf("auth: {name: %q, pass: %q}, virtual_host: %q, ", b.Login, b.Passcode, b.VirtualHost)
}

// startBroker runs an embedded broker on a free 127.0.0.1 port until the
// test ends.
func startBroker(t testing.TB, o embedded.Options) *embedded.Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	srv, err := embedded.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background()) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("broker shutdown: %v", err)
		}
		<-served
	})
	return srv
}

// cutProxy forwards 127.0.0.1 connections to a broker and can cut them all
// at once (a network failure neither side chose), or go down for a while
// (the broker is unreachable).
type cutProxy struct {
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener // nil while down
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p := &cutProxy{addr: "127.0.0.1:0", target: target, conns: map[net.Conn]struct{}{}}
	p.up(t)
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

// up listens (again, on the same address) and forwards.
func (p *cutProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(ln)
}

// down stops listening and cuts every connection.
func (p *cutProxy) down() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.mu.Unlock()
	p.cut()
}

func (p *cutProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// cut closes every proxied connection, both sides.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *cutProxy) uri() string { return "stomp://" + p.addr }

// sendDirect puts messages on a broker destination with the library's
// Sender, waiting for every receipt.
func sendDirect(t testing.TB, uri, dest string, opts stomp.Options, msgs ...*queue.Message) {
	t.Helper()
	u, err := stomp.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = kindtest.Log()
	s, err := stomp.NewSender(t.Context(), u, opts, stomp.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for i, m := range msgs {
		if err := s.Send(t.Context(), strconv.Itoa(i), dest, m); err != nil {
			t.Fatal(err)
		}
	}
	for range msgs {
		if r := <-s.Results(); r.Err != nil {
			t.Fatalf("message %s refused: %v", r.ID, r.Err)
		}
	}
}
