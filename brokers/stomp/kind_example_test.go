package stomp_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// A transfer through a STOMP broker, as a supervision tree: queue.reader
// delivers the elements of a directory queue to stomp.sender, which sends
// them to the broker; stomp.receiver consumes them and delivers them to
// queue.writer. Each stage confirms a message only once it is safe at its
// end, so an element leaves the source queue only after the broker's
// receipt, and a broker message is acknowledged only once stored.
func Example_actorKinds() {
	ctx := context.Background()
	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	if err := srv.Listen(); err != nil {
		panic(err)
	}
	go srv.Serve(ctx)
	defer srv.Shutdown(ctx)

	dir, err := os.MkdirTemp("", "bricks-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "outgoing"), filepath.Join(dir, "incoming")
	in, err := queue.NewDQS(src, queue.DQSOptions{})
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"one", "two", "three"} {
		if _, err := in.AddMessage(queue.NewText(s, nil)); err != nil {
			panic(err)
		}
	}

	tree, err := supervision.LoadBytes("transfer.yaml", []byte(fmt.Sprintf(`
name: transfer
strategy: rest_for_one      # a failed stage restarts with the stages feeding it
children:
  - name: store
    kind: queue.writer
    with: {path: %q}
  - name: consume
    kind: stomp.receiver
    with: {uri: "stomp://%s", destination: /queue/example, to: store}
  - name: send
    kind: stomp.sender
    with: {uri: "stomp://%s", destination: /queue/example}
  - name: read
    kind: queue.reader
    with: {path: %q, to: send}
`, dst, srv.Addr(), srv.Addr(), src)))
	if err != nil {
		panic(err)
	}
	log := slog.New(slog.DiscardHandler)
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond)))
	defer sys.Shutdown()
	run, err := supervision.Start(ctx, tree, supervision.WithLogger(log), supervision.WithActorSystem(sys))
	if err != nil {
		panic(err)
	}
	defer run.Stop(ctx)

	out, err := queue.NewDQS(dst, queue.DQSOptions{})
	if err != nil {
		panic(err)
	}
	// Wait until the three messages are stored and the source is empty.
	for {
		stored, _ := out.Count()
		left, _ := in.Count()
		if stored == 3 && left == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var bodies []string
	for name := range out.Names() {
		if ok, _ := out.Lock(name); ok {
			m, _ := out.GetMessage(name)
			bodies = append(bodies, string(m.Body))
		}
	}
	slices.Sort(bodies)
	fmt.Println(bodies)
	// Output: [one three two]
}
