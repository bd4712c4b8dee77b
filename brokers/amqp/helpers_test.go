package amqp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/internal/brokertest"
)

// TestMain fails the run if any goroutine (ours or go-amqp's) outlives
// the tests: every Conn, Sender and Receiver must end them on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(exitHook{m})
}

// exitHook deletes the RabbitMQ queues the tests declared once they ran.
type exitHook struct{ m *testing.M }

func (h exitHook) Run() int {
	code := h.m.Run()
	deleteRabbitQueues()
	return code
}

// deleteRabbitQueues removes the queues the tests declared
// (brokertest.DeclareRabbitQueue) in one rabbitmqctl call.
func deleteRabbitQueues() { brokertest.DeleteRabbitQueues() }

// testLogger discards debug noise; warnings still reach the test output.
var testLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// broker is one AMQP 1.0 endpoint under test, with its naming rules.
type broker struct {
	name string
	get  func(testing.TB) brokertest.Broker
	// queue returns the link address of a fresh, empty queue.
	queue func(testing.TB) string
}

var queueSeq atomic.Int64

func queueName(tb testing.TB) string {
	r := strings.NewReplacer("/", "-", " ", "-", "=", "-")
	return fmt.Sprintf("bricks-amqp-%s-%d-%d", r.Replace(tb.Name()), time.Now().UnixNano()%1e9, queueSeq.Add(1))
}

var testBrokers = []broker{
	{name: "rabbitmq", get: brokertest.RabbitAMQP, queue: func(tb testing.TB) string {
		q := queueName(tb)
		declareRabbitQueue(tb, q)
		return "/amq/queue/" + q
	}},
	{name: "qpid", get: brokertest.QpidAMQP, queue: func(tb testing.TB) string { return queueName(tb) }},
}

// forBrokers runs f as a subtest per broker (skipped, or failed under CI,
// when the broker is not running).
func forBrokers(t *testing.T, f func(t *testing.T, b broker, bt brokertest.Broker)) {
	for _, b := range testBrokers {
		t.Run(b.name, func(t *testing.T) { f(t, b, b.get(t)) })
	}
}

// options returns the connection options for bt.
func options(bt brokertest.Broker) Options {
	o := Options{Logger: testLogger, CloseTimeout: 2 * time.Second, ConnectTimeout: 5 * time.Second}
	if bt.Login != "" {
		o.SASL = SASL{Mechanism: SASLPlain, Username: bt.Login, Password: bt.Passcode}
	}
	return o
}

// dial connects to bt and closes the connection at the end of the test.
func dial(tb testing.TB, bt brokertest.Broker) *Conn {
	tb.Helper()
	return dialAddr(tb, bt.URI, options(bt))
}

func dialAddr(tb testing.TB, uri string, o Options) *Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := DialURI(ctx, uri, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// declareRabbitQueue declares the durable RabbitMQ queue name
// (brokertest.DeclareRabbitQueue: through the STOMP plugin, since AMQP 1.0
// in RabbitMQ 3.10 can only declare non-durable queues).
func declareRabbitQueue(tb testing.TB, name string) {
	tb.Helper()
	brokertest.DeclareRabbitQueue(tb, name)
}

// proxy forwards TCP connections to target until Cut closes them all,
// simulating a connection dying (or, with Freeze, a broker going silent).
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	frozen atomic.Bool
	wg     sync.WaitGroup
}

func newProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return newProxyOn(tb, ln, target)
}

// newProxyOn serves the proxy on ln (e.g. a TLS listener).
func newProxyOn(tb testing.TB, ln net.Listener, target string) *proxy {
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.Close)
	return p
}

// URI is the proxy's amqp:// address.
func (p *proxy) URI() string { return "amqp://" + p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, u)
		go p.pipe(u, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			dst.Close()
			return
		}
		if p.frozen.Load() {
			continue // swallow: the peer goes silent
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			src.Close()
			return
		}
	}
}

// Freeze stops forwarding in both directions, without closing anything.
func (p *proxy) Freeze() { p.frozen.Store(true) }

// Cut closes every proxied connection (both sides).
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Close stops the proxy and waits for its goroutines.
func (p *proxy) Close() {
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

// recvOne returns the next delivery of r, failing the test when r ends or
// nothing arrives within a generous bound (not a timing assertion: a
// deadlock guard).
func recvOne(tb testing.TB, r *Receiver) *Delivery {
	tb.Helper()
	select {
	case d, ok := <-r.Deliveries():
		if !ok {
			tb.Fatalf("receiver ended: %v", r.Err())
		}
		return d
	case <-time.After(30 * time.Second):
		tb.Fatal("no delivery within 30s")
	}
	return nil
}

// confirmOne returns the next confirmation of s (deadlock guard as above).
func confirmOne(tb testing.TB, s *Sender) Confirmation {
	tb.Helper()
	select {
	case c, ok := <-s.Confirmations():
		if !ok {
			tb.Fatal("confirmations closed")
		}
		return c
	case <-time.After(30 * time.Second):
		tb.Fatal("no confirmation within 30s")
	}
	return Confirmation{}
}

func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// sendRaw sends an AMQP message whose amqp-value body is v with bare
// go-amqp, for bodies Sender cannot produce.
func sendRaw(tb testing.TB, c *Conn, q string, v any) {
	tb.Helper()
	ctx := testCtx(tb)
	sess, err := c.newSession(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.endSession(sess)
	s, err := sess.NewSender(ctx, q, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Send(ctx, &goamqp.Message{Value: v}, nil); err != nil {
		tb.Fatal(err)
	}
}

// closeErrOK reports whether err from closing a link on broker b is nil or
// the one failure RabbitMQ 3.10 causes now and then: its session end left
// unanswered (see the package doc).
func closeErrOK(b broker, err error) bool {
	return err == nil || (b.name == "rabbitmq" && errors.Is(err, context.DeadlineExceeded))
}
