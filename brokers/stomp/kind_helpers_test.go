package stomp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// Helpers of the actor-kind tests (kind_*_test.go): an embedded broker, a
// proxy that cuts connections, a supervision tree runner, and the messages
// a transfer must carry unchanged.

// kindLog is the tree's logger; BRICKS_TEST_LOG=1 shows it.
func kindLog() *slog.Logger {
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// checkLeaks fails t if a goroutine started during the test outlives it.
func checkLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

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

// failures counts, by node name, the restarts after an abnormal exit in a
// running tree, and the normal exits.
type failures struct {
	mu     sync.Mutex
	byNode map[string]int
	normal map[string]int
}

func (f *failures) hook(e supervision.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch x := e.(type) {
	case *supervision.ChildRestarted:
		if x.Exit != supervision.ExitNormal {
			f.byNode[path.Base(x.Node)]++
		}
	case *supervision.ChildExited:
		if x.Exit == supervision.ExitNormal {
			f.normal[path.Base(x.Node)]++
		}
	}
}

// stopped returns how many times node ended normally.
func (f *failures) stopped(node string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.normal[node]
}

// of returns how many times node failed.
func (f *failures) of(node string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byNode[node]
}

// runTree loads and starts a tree on its own actor system, and stops it when
// the test ends. The dead-letter throttle is shortened so that its timer
// goroutine is gone by the leak check.
func runTree(t testing.TB, yaml string) (*supervision.Running, *failures) {
	t.Helper()
	tree, err := supervision.LoadBytes(t.Name()+".yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	log := kindLog()
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fails := &failures{byNode: map[string]int{}, normal: map[string]int{}}
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log), supervision.WithActorSystem(sys),
		supervision.WithEventHook(fails.hook))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := run.Stop(ctx); err != nil {
			t.Errorf("stopping the tree: %v", err)
		}
		sys.Shutdown()
	})
	return run, fails
}

// testMessage is the i-th message of a transfer: text with unicode, binary
// with NUL bytes, or text with headers that need STOMP escaping, each with a
// "seq" header to recognise it.
func testMessage(i int) *queue.Message {
	h := map[string]string{"seq": strconv.Itoa(i)}
	switch i % 3 {
	case 0:
		h["note"] = "héllo wörld ✓ 日本語"
		return queue.NewText(fmt.Sprintf("message %d: ünïcödé ✓ 🚀", i), h)
	case 1:
		body := []byte{0, 1, 2, 0xff, 0xfe, 0, 'x', byte(i), byte(i >> 8), 0}
		return queue.NewBinary(body, h)
	default:
		h["tricky"] = `colon:back\slash`
		h["ключ"] = "значение"
		return queue.NewText(fmt.Sprintf("line one\nline two %d", i), h)
	}
}

// fillQueue adds messages 0..n-1 to a DQS queue at path.
func fillQueue(t testing.TB, path string, n int) {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := q.AddMessage(testMessage(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// queueCount returns the number of elements in the DQS queue at path.
func queueCount(t testing.TB, path string) int {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := q.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// readQueue returns the messages of the DQS queue at path by "seq" header.
func readQueue(t testing.TB, path string) map[int][]*queue.Message {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int][]*queue.Message{}
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		m, err := q.GetMessage(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
		seq, err := strconv.Atoi(m.Header["seq"])
		if err != nil {
			t.Fatalf("element %s has no seq header: %v", name, m.Header)
		}
		got[seq] = append(got[seq], m)
	}
	return got
}

// waitUntil polls cond until it holds; it fails the test after a generous
// deadline, which detects a hang, not a slowness.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkArrived asserts that messages 0..n-1 all arrived, each identical to
// what was sent (same body, same text flag, every header kept; the broker
// may add its own headers), and returns how many duplicates arrived.
func checkArrived(t *testing.T, got map[int][]*queue.Message, n int) (dups int) {
	t.Helper()
	lost := 0
	for i := range n {
		ms := got[i]
		if len(ms) == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("message %d lost", i)
			}
			continue
		}
		dups += len(ms) - 1
		want := testMessage(i)
		for _, m := range ms {
			if !bytes.Equal(m.Body, want.Body) || m.Text != want.Text {
				t.Errorf("message %d changed: body %q text %v, want %q text %v", i, m.Body, m.Text, want.Body, want.Text)
			}
			for _, k := range slices.Sorted(maps.Keys(want.Header)) {
				if m.Header[k] != want.Header[k] {
					t.Errorf("message %d header %q = %q, want %q", i, k, m.Header[k], want.Header[k])
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d messages lost", lost, n)
	}
	if extra := len(got) - n + lost; extra > 0 {
		t.Errorf("%d unexpected messages arrived", extra)
	}
	return dups
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

// stageFuncs holds the behaviours of the kindtest.stage kind by name: a
// destination stage whose answers a test scripts.
var stageFuncs sync.Map // string -> func(actor.Context, *queue.Deliver)

func init() {
	actors.Register(actors.Kind{
		Name:    "kindtest.stage",
		Summary: "a destination stage that answers as the test says",
		Spec:    actors.NewSpec().Field(actors.String("script").Required()),
		New: func(cfg *actors.Config) (actor.Actor, error) {
			f, ok := stageFuncs.Load(cfg.String("script"))
			if !ok {
				return nil, fmt.Errorf("no stage script %q", cfg.String("script"))
			}
			handle := f.(func(actor.Context, *queue.Deliver))
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if d, ok := ctx.Message().(*queue.Deliver); ok {
					handle(ctx, d)
				}
			}), nil
		},
	})
}

// stageScript registers handle under the test's name and returns that name.
func stageScript(t *testing.T, handle func(actor.Context, *queue.Deliver)) string {
	name := t.Name()
	stageFuncs.Store(name, handle)
	t.Cleanup(func() { stageFuncs.Delete(name) })
	return name
}

// sendDirect puts messages on a broker destination with the library's
// Sender, waiting for every receipt.
func sendDirect(t testing.TB, uri, dest string, opts stomp.Options, msgs ...*queue.Message) {
	t.Helper()
	u, err := stomp.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = kindLog()
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

// quarantined returns the reasons of the elements moved aside in the DQS
// queue at dir.
func quarantined(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, queue.QuarantineDir, "*.reason"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, string(b))
	}
	return reasons
}
