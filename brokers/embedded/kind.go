package embedded

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// KindName is the YAML kind of the embedded broker.
const KindName = "stomp.broker"

// Spec is the `with:` block of a stomp.broker node.
var Spec = actors.NewSpec().
	Field(actors.String("listen").Default(DefaultAddr).
		Description("TCP address to listen on; 127.0.0.1:0 picks a free port").Example("127.0.0.1:61613")).
	Field(actors.String("storage").Enum(StorageMemory, StorageDir).Default(StorageMemory).Example(StorageDir).
		Description("where queues live: memory (lost on stop) or dir (one DQS directory queue per queue, kept across restarts)")).
	Field(actors.String("dir").
		Description("directory holding the queues with storage: dir").Example("/var/spool/bricks/broker")).
	Field(actors.StringMap("users").Secret().
		Description("login: passcode pairs allowed to connect; empty lets anyone in").Example(map[string]string{"bricks": "secret"})).
	Field(actors.Duration("heartbeat").Default(DefaultHeartBeat).Advanced().
		Description("heart-beat interval the broker offers and asks for (0 disables); a client silent for twice the negotiated interval is disconnected")).
	Field(actors.Int("prefetch").Default(DefaultPrefetch).Advanced().
		Description("unacknowledged messages per subscription when SUBSCRIBE names no prefetch-count")).
	Field(actors.Int("max_frame_size").Default(DefaultMaxFrameSize).Advanced().
		Description("largest frame a client may send, in bytes"))

func init() {
	actors.Register(actors.Kind{
		Name:         KindName,
		Summary:      "in-process STOMP 1.2 broker (queues, topics, acks, receipts; memory or dir storage)",
		Spec:         Spec,
		New:          newBrokerActor,
		Validate:     validate,
		SignalsReady: true,
	})
}

func validate(cfg *actors.Config) error {
	_, err := optionsFrom(cfg).withDefaults()
	return err
}

// optionsFrom maps a `with:` block to Options.
func optionsFrom(cfg *actors.Config) Options {
	beat := cfg.Duration("heartbeat")
	if beat == 0 {
		beat = -1 // "0 disables" in YAML; Options treat 0 as the default
	}
	o := Options{
		Addr:             cfg.String("listen"),
		Storage:          cfg.String("storage"),
		Dir:              cfg.String("dir"),
		Users:            cfg.StringMap("users"),
		HeartBeatSend:    beat,
		HeartBeatReceive: beat,
		Prefetch:         cfg.Int("prefetch"),
		MaxFrameSize:     cfg.Int("max_frame_size"),
	}
	if env := cfg.Env(); env != nil {
		o.Logger = env.Logger()
	}
	return o
}

// brokerActor runs a Server in a goroutine it owns: it listens when it
// starts (so it is ready once clients can connect), serves until it stops,
// and shuts the server down, connections included, when it stops or
// restarts.
type brokerActor struct {
	opts Options
	srv  *Server
}

func newBrokerActor(cfg *actors.Config) (actor.Actor, error) {
	o := optionsFrom(cfg)
	if _, err := o.withDefaults(); err != nil {
		return nil, err
	}
	return &brokerActor{opts: o}, nil
}

// Receive implements actor.Actor.
func (a *brokerActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		if a.opts.Logger == nil { // spawned outside a tree: the actor system's logger
			a.opts.Logger = ctx.Logger()
		}
		srv, err := New(a.opts)
		if err != nil {
			actors.Fail(ctx, err)
		}
		if err := srv.Listen(); err != nil {
			actors.Fail(ctx, err)
		}
		a.srv = srv
		// Serve returns once the actor's context is cancelled, after
		// shutting the server down; an accept failure fails the actor.
		actors.Go(ctx, srv.Serve)
		actors.SignalReady(ctx)
	case *actor.Stopping, *actor.Restarting:
		if a.srv != nil {
			a.srv.log.Info("stomp broker stopping", slog.String("addr", a.addr()))
		}
	}
}

func (a *brokerActor) addr() string {
	if a.srv == nil || a.srv.Addr() == nil {
		return ""
	}
	return a.srv.Addr().String()
}
