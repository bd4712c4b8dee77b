package stomp_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/bricksmq/bricks/queue"
)

// BenchmarkSenderHop measures what the actor path costs per message on
// top of the library: b.N persistent 1 KiB messages sent with receipts to
// an embedded broker, window 100, by the library's Sender alone
// ("library") and by a stomp.sender stage fed from memory ("actor"). The
// difference is the hand-offs source → stomp.sender → its goroutine and
// back. Besides msg/s it reports the process's CPU time per message
// (cpu-µs/msg; the embedded broker runs in the process, the same in both
// rows), which a loaded machine disturbs less than the rate. Run it
// interleaved:
//
//	go test -run '^$' -bench SenderHop -benchtime 20000x -count 5 -benchmem ./brokers/stomp/
func BenchmarkSenderHop(b *testing.B) {
	for _, row := range []string{"library", "actor"} {
		b.Run(row, func(b *testing.B) {
			srv := startBroker(b, embedded.Options{})
			uri := "stomp://" + srv.Addr().String()
			dest := stomptest.Unique("/queue/", "hopbench")
			msg := hopMessage()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, start := cpuSeconds(), time.Now()
			if row == "library" {
				librarySend(b, uri, dest, msg)
			} else {
				actorSend(b, uri, dest, msg)
			}
			d, cpu := time.Since(start), cpuSeconds()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(b.N)/d.Seconds(), "msg/s")
			b.ReportMetric(cpu*1e6/float64(b.N), "cpu-µs/msg")
		})
	}
}

// BenchmarkReceiverHop is BenchmarkSenderHop's consuming side: b.N
// messages put on an embedded broker beforehand (not timed) are received
// with client-individual acknowledgements, prefetch 100, by the library's
// Receiver alone ("library") and by a stomp.receiver stage Delivering to a
// stage that confirms at once ("actor").
//
//	go test -run '^$' -bench ReceiverHop -benchtime 20000x -count 5 -benchmem ./brokers/stomp/
func BenchmarkReceiverHop(b *testing.B) {
	for _, row := range []string{"library", "actor"} {
		b.Run(row, func(b *testing.B) {
			srv := startBroker(b, embedded.Options{})
			uri := "stomp://" + srv.Addr().String()
			dest := stomptest.Unique("/queue/", "hopbench")
			msg := hopMessage()
			librarySend(b, uri, dest, msg)
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, start := cpuSeconds(), time.Now()
			if row == "library" {
				libraryReceive(b, uri, dest)
			} else {
				actorReceive(b, uri, dest)
			}
			d, cpu := time.Since(start), cpuSeconds()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(b.N)/d.Seconds(), "msg/s")
			b.ReportMetric(cpu*1e6/float64(b.N), "cpu-µs/msg")
		})
	}
}

// libraryReceive takes b.N messages with a Receiver, acknowledging each.
func libraryReceive(b *testing.B, uri, dest string) {
	u, err := stomp.ParseURI(uri)
	if err != nil {
		b.Fatal(err)
	}
	r, err := stomp.NewReceiver(b.Context(), u, stomp.Options{Logger: kindtest.Log()},
		stomp.SubscribeOptions{Destination: dest, Ack: stomp.AckClientIndividual, Prefetch: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for range b.N {
		d, ok := <-r.Deliveries()
		if !ok {
			b.Fatalf("the receiver ended: %v", r.Err())
		}
		if err := d.Ack(); err != nil {
			b.Fatal(err)
		}
	}
}

// actorReceive runs stomp.receiver (count b.N) Delivering to a stage that
// confirms every message, until the b.N-th is confirmed.
func actorReceive(b *testing.B, uri, dest string) {
	done := make(chan struct{})
	n := 0
	sink := kindtest.Script(b, func(ctx actor.Context, d *queue.Deliver) {
		queue.Answer(ctx, ctx.Sender(), d.ID, nil)
		if n++; n == b.N {
			close(done)
		}
	})
	yaml := fmt.Sprintf(`name: hop
strategy: rest_for_one
children:
  - {name: sink, kind: %s, restart: temporary, with: {script: %q}}
  - {name: receiver, kind: stomp.receiver, restart: temporary, with: {uri: %q, destination: %q, to: sink, prefetch: 100, count: %d}}
`, kindtest.ScriptKind, sink, uri, dest, b.N)
	kindtest.RunUntil(b, yaml, done)
}

// hopMessage is a persistent 1 KiB binary message.
func hopMessage() *queue.Message {
	body := make([]byte, 1024)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	return queue.NewBinary(body, map[string]string{"persistent": "true"})
}

// librarySend sends b.N messages with a Sender of window 100 and waits for
// every Result.
func librarySend(b *testing.B, uri, dest string, msg *queue.Message) {
	u, err := stomp.ParseURI(uri)
	if err != nil {
		b.Fatal(err)
	}
	s, err := stomp.NewSender(b.Context(), u, stomp.Options{Logger: kindtest.Log()}, stomp.SenderOptions{Window: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(context.Background())
	done := make(chan error, 1)
	go func() {
		for range b.N {
			if r := <-s.Results(); r.Err != nil {
				done <- fmt.Errorf("message %s refused: %w", r.ID, r.Err)
				return
			}
		}
		done <- nil
	}()
	for i := range b.N {
		if err := s.Send(b.Context(), strconv.Itoa(i), dest, msg); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// actorSend runs stomp.sender fed by a hopSource of b.N messages until
// every one is confirmed.
func actorSend(b *testing.B, uri, dest string, msg *queue.Message) {
	p := &hopProbe{msg: msg, n: b.N, done: make(chan error, 1)}
	hopProbes.Store(b.Name(), p)
	defer hopProbes.Delete(b.Name())
	yaml := fmt.Sprintf(`name: hop
strategy: rest_for_one
children:
  - {name: sender, kind: stomp.sender, restart: temporary, with: {uri: %q, destination: %q, window: 100}}
  - {name: source, kind: %s, restart: temporary, with: {to: sender, probe: %q}}
`, uri, dest, hopSourceKind, b.Name())
	if err := kindtest.RunUntil(b, yaml, p.done); err != nil {
		b.Fatal(err)
	}
}

// hopSourceKind is an in-memory source stage: it delivers its probe's n
// messages to `to:`, at most 100 unanswered, and reports on the probe's
// done once every one was confirmed.
const hopSourceKind = "stompbench.source"

var hopProbes sync.Map // benchmark name -> *hopProbe

type hopProbe struct {
	msg  *queue.Message
	n    int
	done chan error
}

func init() {
	actors.Register(actors.Kind{
		Name:    hopSourceKind,
		Summary: "delivers n messages from memory (benchmark)",
		Spec:    actors.NewSpec().Field(actors.Sibling("to").Required()).Field(actors.String("probe").Required()),
		New: func(cfg *actors.Config) (actor.Actor, error) {
			p, ok := hopProbes.Load(cfg.String("probe"))
			if !ok {
				return nil, fmt.Errorf("no probe %q", cfg.String("probe"))
			}
			return &hopSource{cfg: cfg, p: p.(*hopProbe)}, nil
		},
	})
}

type hopSource struct {
	cfg             *actors.Config
	p               *hopProbe
	to              *actor.PID
	ids             []string
	sent, confirmed int
}

func (s *hopSource) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.ids = make([]string, s.p.n)
		for i := range s.ids {
			s.ids[i] = strconv.Itoa(i)
		}
		if s.to = s.cfg.SiblingPID("to"); s.to == nil {
			s.p.done <- fmt.Errorf("the sender stage is not running")
			return
		}
		for s.sent < min(100, s.p.n) {
			s.deliver(ctx)
		}
	case *queue.Confirm:
		s.confirmed++
		if s.sent < s.p.n {
			s.deliver(ctx)
		}
		if s.confirmed == s.p.n {
			s.p.done <- nil
		}
	case *queue.Reject:
		s.p.done <- fmt.Errorf("message %s rejected: %w", m.ID, m.Reason)
	}
}

func (s *hopSource) deliver(ctx actor.Context) {
	ctx.Request(s.to, &queue.Deliver{ID: s.ids[s.sent], Message: s.p.msg})
	s.sent++
}

// cpuSeconds is the CPU time (user + system) the process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
