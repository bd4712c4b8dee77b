package pipe

import (
	"context"
	"log/slog"
	"strconv"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/queue"
)

// BenchmarkSendingHop times the actor path of a destination stage without
// a network: a source Delivers b.N messages (window 100) to a stage built
// on Sending, whose goroutine takes each Outbound and "sends" it to a
// stand-in library that answers at once on its results channel; the
// goroutine posts the results back either one message per result
// ("each", as the kinds did) or every result waiting as one message
// (Gather, "gathered"). What is left is the cost of the hand-offs the
// stomp.sender and amqp.sender kinds add to their library.
//
//	go test -run '^$' -bench SendingHop -benchtime 200000x -count 5 -benchmem ./brokers/internal/pipe/
func BenchmarkSendingHop(b *testing.B) {
	for _, gathered := range []bool{false, true} {
		b.Run(map[bool]string{false: "each", true: "gathered"}[gathered], func(b *testing.B) {
			benchSendingHop(b, gathered)
		})
	}
}

type (
	hopResult  struct{ id string }
	hopResults []string
	hopStart   struct{}
)

// hopIncarnation stands for the stage's actor incarnation.
type hopIncarnation struct{ actor.Actor }

func benchSendingHop(b *testing.B, gathered bool) {
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	defer sys.Shutdown()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const window = 100
	// The incarnation the goroutine's messages are tagged with.
	var stageActor actor.Actor = &hopIncarnation{}
	var s *Sending
	ready := make(chan struct{})
	stage := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		switch m := Unwrap(c, stageActor).(type) {
		case *actor.Started:
			s = NewSending(window)
			s.Open()
			p, out := TaggedPosterOf(c, stageActor), s.C()
			go hopGoroutine(ctx, p, out, gathered)
			close(ready)
		case *queue.Deliver:
			s.Deliver(c, m)
		case *hopResult:
			s.Answer(c, m.id, nil)
		case hopResults:
			for _, id := range m {
				s.Answer(c, id, nil)
			}
		}
	}))
	<-ready
	msg := queue.NewText("x", nil)
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	done := make(chan struct{})
	sent, confirmed := 0, 0
	deliver := func(c actor.Context) {
		c.Request(stage, &queue.Deliver{ID: ids[sent], Message: msg})
		sent++
	}
	source := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		switch c.Message().(type) {
		case *hopStart:
			for sent < min(window, b.N) {
				deliver(c)
			}
		case *queue.Confirm:
			confirmed++
			if sent < b.N {
				deliver(c)
			}
			if confirmed == b.N {
				close(done)
			}
		}
	}))
	b.ReportAllocs()
	b.ResetTimer()
	sys.Root.Send(source, &hopStart{})
	<-done
	b.StopTimer()
}

// hopGoroutine is the stage's goroutine with a library that confirms
// every message at once.
func hopGoroutine(ctx context.Context, p Poster, out <-chan Outbound, gathered bool) {
	results := make(chan string, 100)
	for {
		select {
		case o := <-out:
			results <- o.ID // the library took it; its receipt is on the way
		case id := <-results:
			if !gathered {
				p.Post(&hopResult{id})
				continue
			}
			ids, _ := Gather(id, results, 0)
			p.Post(hopResults(ids))
		case <-ctx.Done():
			return
		}
	}
}
