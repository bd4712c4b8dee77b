package embedded

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/go-stomp/stomp/v3"
	"gopkg.in/yaml.v3"
)

// freeAddr returns a loopback address nobody listens on (right now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func decodeWith(t *testing.T, src string) (*actors.Config, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	k, ok := actors.Lookup(KindName)
	if !ok {
		t.Fatalf("kind %s not registered", KindName)
	}
	cfg, err := actors.Decode("tree.yaml", &n, k.Spec, actors.DecodeOptions{Path: "with"})
	if err != nil {
		return nil, err
	}
	return cfg, k.Validate(cfg)
}

// parent spawns the broker and reports its Ready.
type parent struct {
	props *actor.Props
	ready chan struct{}
}

func (p *parent) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(p.props)
	case *actors.Ready:
		close(p.ready)
	}
}

func TestKindServesUntilStopped(t *testing.T) {
	addr := freeAddr(t)
	cfg, err := decodeWith(t, "listen: "+addr+"\nstorage: dir\ndir: "+t.TempDir()+"\nusers: {bricks: pw}\n")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger }))
	k, _ := actors.Lookup(KindName)
	p := &parent{props: actors.Props(k, cfg), ready: make(chan struct{})}
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return p }))
	select {
	case <-p.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("broker never signalled Ready")
	}

	c, err := stomp.Dial("tcp", addr, stomp.ConnOpt.Login("bricks", "pw"), stomp.ConnOpt.Logger(stomptest.QuietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.Subscribe("/queue/kind", stomp.AckClientIndividual)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send("/queue/kind", "text/plain", []byte("via actor"), stomp.SendOpt.Receipt); err != nil {
		t.Fatal(err)
	}
	m := <-sub.C
	if m.Err != nil || string(m.Body) != "via actor" {
		t.Fatalf("got %v %q", m.Err, m.Body)
	}
	if err := c.Ack(m); err != nil {
		t.Fatal(err)
	}

	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	_ = c.MustDisconnect()
	if nc, err := net.Dial("tcp", addr); err == nil {
		nc.Close()
		t.Fatal("broker still accepting after its actor stopped")
	}
	sys.Shutdown()
	if !strings.Contains(logs.String(), "stomp broker listening") {
		t.Errorf("the node logger got no broker logs:\n%s", logs.String())
	}
}

func TestKindConfigErrors(t *testing.T) {
	if _, err := decodeWith(t, "storage: dir\n"); err == nil || !strings.Contains(err.Error(), "needs a dir") {
		t.Errorf("storage dir without dir: %v", err)
	}
	if _, err := decodeWith(t, "storage: disk\n"); err == nil || !strings.Contains(err.Error(), "with.storage") {
		t.Errorf("unknown storage: %v", err)
	}
}
