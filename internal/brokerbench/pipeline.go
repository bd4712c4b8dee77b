package brokerbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// The actor pipeline rows run the broker kinds in a supervision tree, fed
// or drained by two in-memory stages of this package:
//
//	send:    bench ─ sender (stomp.sender | amqp.sender, window 100)
//	               └ source (brokerbench.source: N messages from memory)
//	consume: bench ─ sink (brokerbench.sink: confirms every Deliver)
//	               └ receiver (stomp.receiver | amqp.receiver, count N)
//
// Stages are listed sinks first, as in a transfer tree (rest_for_one).
// Every child is temporary: a failure ends the row with its reason instead
// of restarting.

// Names of the benchmark's own stages.
const (
	sourceKindName = "brokerbench.source"
	sinkKindName   = "brokerbench.sink"
)

// probe connects a row to its stages: what to send, and when the work
// started and ended.
type probe struct {
	n      int
	window int
	msg    *queue.Message

	mu         sync.Mutex
	start, end time.Time
	err        error
	done       chan struct{} // closed by finish
	once       sync.Once
}

func newProbe(n int, body []byte) *probe {
	return &probe{n: n, window: PipelineWindow, msg: &queue.Message{Body: body}, done: make(chan struct{})}
}

func (p *probe) started() {
	p.mu.Lock()
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.mu.Unlock()
}

// finish ends the row: err nil once the work is done, else why it failed.
func (p *probe) finish(err error) {
	p.once.Do(func() {
		p.mu.Lock()
		p.end, p.err = time.Now(), err
		p.mu.Unlock()
		close(p.done)
	})
}

func (p *probe) elapsed() (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	if p.start.IsZero() {
		return 0, errors.New("the stage under test never started")
	}
	return p.end.Sub(p.start), nil
}

var stageSpec = actors.NewSpec().Field(actors.Sibling("to")).Field(actors.Any("probe"))

var sourceKind = actors.Kind{Name: sourceKindName, Summary: "delivers N messages from memory (benchmark)", Spec: stageSpec,
	New: func(cfg *actors.Config) (actor.Actor, error) {
		return &source{cfg: cfg, p: cfg.Any("probe").(*probe)}, nil
	}}

var sinkKind = actors.Kind{Name: sinkKindName, Summary: "confirms every message (benchmark)", Spec: stageSpec,
	New: func(cfg *actors.Config) (actor.Actor, error) {
		return &sink{p: cfg.Any("probe").(*probe)}, nil
	}}

// registerKinds adds the benchmark's stages to the registry when a
// pipeline row runs, not at init: they must not show in `bricks kinds`.
var registerKinds = sync.OnceFunc(func() {
	actors.Register(sourceKind)
	actors.Register(sinkKind)
})

// source delivers p.n messages to its `to:` sibling, at most p.window
// unanswered, and finishes the probe once all are confirmed.
type source struct {
	cfg             *actors.Config
	p               *probe
	to              *actor.PID
	sent, confirmed int
}

func (s *source) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		if s.to = s.cfg.SiblingPID("to"); s.to == nil {
			s.p.finish(errors.New("source: the sender stage is not running"))
			return
		}
		s.p.started()
		for s.sent < min(s.p.window, s.p.n) {
			s.deliver(ctx)
		}
	case *queue.Confirm:
		s.confirmed++
		if s.sent < s.p.n {
			s.deliver(ctx)
		}
		if s.confirmed == s.p.n {
			s.p.finish(nil)
		}
	case *queue.Reject:
		s.p.finish(fmt.Errorf("message %s rejected: %w", m.ID, m.Reason))
	}
}

func (s *source) deliver(ctx actor.Context) {
	ctx.Request(s.to, &queue.Deliver{ID: strconv.Itoa(s.sent), Message: s.p.msg})
	s.sent++
}

// sink confirms every Deliver and finishes the probe at the p.n-th.
type sink struct {
	p *probe
	n int
}

func (k *sink) Receive(ctx actor.Context) {
	if d, ok := ctx.Message().(*queue.Deliver); ok {
		// Messages may flow before the supervisor reports the receiver
		// ready: the clock starts at whichever comes first.
		k.p.started()
		queue.Answer(ctx, ctx.Sender(), d.ID, nil)
		if k.n++; k.n == k.p.n {
			k.p.finish(nil)
		}
	}
}

// missingKinds says which broker kinds of proto are not registered ("" if
// none is missing).
func missingKinds(proto string) string {
	var missing []string
	for _, k := range []string{proto + ".sender", proto + ".receiver"} {
		if _, ok := actors.Lookup(k); !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return fmt.Sprintf("actor kinds %v are not registered", missing)
}

// kindConfig decodes a broker kind's `with:` values as a tree file would
// (defaults filled in, checked by the kind's Validate).
func kindConfig(kind, self string, values map[string]any, siblings []string) (*actors.Config, error) {
	k, ok := actors.Lookup(kind)
	if !ok {
		return nil, fmt.Errorf("actor kind %s is not registered", kind)
	}
	var n yaml.Node
	if err := n.Encode(values); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	cfg, err := actors.Decode("bricks bench broker", &n, k.Spec,
		actors.DecodeOptions{Path: self + ".with", Siblings: siblings, Self: self})
	if err == nil && k.Validate != nil {
		err = k.Validate(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", kind, self, err)
	}
	return cfg, nil
}

func stage(name, kind string, cfg *actors.Config) *supervision.Node {
	return &supervision.Node{Name: name, Kind: kind, With: cfg, Restart: supervision.Temporary,
		Shutdown: supervision.Shutdown{Timeout: 10 * time.Second}}
}

// runSendPipeline times n messages through source → kind (a sender stage
// configured by with), from the source's start to the last confirmation.
func runSendPipeline(ctx context.Context, cfg Config, kind string, with map[string]any, n int, body []byte) (time.Duration, error) {
	registerKinds()
	p := newProbe(n, body)
	names := []string{"sender", "source"}
	sc, err := kindConfig(kind, "sender", with, names)
	if err != nil {
		return 0, err
	}
	src := actors.NewConfig(stageSpec, map[string]any{"to": "sender", "probe": p})
	return runTree(ctx, cfg, p, "", stage("sender", kind, sc), stage("source", sourceKindName, src))
}

// runConsumePipeline times n messages through kind (a receiver stage
// configured by with, stopping after n) → sink, from the receiver's start
// (connected and subscribed) or the first message, whichever comes first,
// to the sink's n-th message.
func runConsumePipeline(ctx context.Context, cfg Config, kind string, with map[string]any, n int) (time.Duration, error) {
	registerKinds()
	p := newProbe(n, nil)
	with["to"] = "sink"
	with["count"] = n
	names := []string{"sink", "receiver"}
	rc, err := kindConfig(kind, "receiver", with, names)
	if err != nil {
		return 0, err
	}
	snk := actors.NewConfig(stageSpec, map[string]any{"probe": p})
	return runTree(ctx, cfg, p, "bench/receiver", stage("sink", sinkKindName, snk), stage("receiver", kind, rc))
}

// runTree runs a two-stage tree until the probe finishes. startNode, when
// set, is the node whose start starts the clock; the row then also waits
// for it to end normally (a receiver with `count` stops once its last
// acknowledgement is written), so that nothing is left unacknowledged.
func runTree(ctx context.Context, cfg Config, p *probe, startNode string, children ...*supervision.Node) (time.Duration, error) {
	ended := make(chan struct{})
	var endOnce sync.Once
	hook := func(ev supervision.Event) {
		switch e := ev.(type) {
		case *supervision.ChildStarted:
			if e.Node == startNode {
				p.started()
			}
		case *supervision.ChildExited:
			if e.Reason != nil {
				p.finish(fmt.Errorf("%s: %w", e.Node, e.Reason))
			}
			if e.Node == startNode {
				endOnce.Do(func() { close(ended) })
			}
		case *supervision.StartFailed:
			p.finish(fmt.Errorf("%s: %w", e.Node, e.Reason))
		}
	}
	root := &supervision.Node{Name: "bench", Strategy: supervision.RestForOne, Intensity: 1,
		Period: supervision.DefaultPeriod, Children: children}
	r, err := supervision.Start(ctx, &supervision.Tree{File: "bricks bench broker", Root: root},
		supervision.WithLogger(cfg.Logger), supervision.WithEventHook(hook))
	if err != nil {
		return 0, err
	}
	defer r.Stop(context.Background())
	select {
	case <-p.done:
	case <-r.Done():
		p.finish(fmt.Errorf("the tree ended early: %v", r.Wait()))
	case <-ctx.Done():
		p.finish(context.Cause(ctx))
	}
	d, err := p.elapsed()
	if err != nil || startNode == "" {
		return d, err
	}
	select {
	case <-ended:
	case <-ctx.Done():
		return 0, fmt.Errorf("waiting for %s to stop after its count: %w", startNode, context.Cause(ctx))
	}
	return d, nil
}
