package supervision

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
)

// Option configures Start.
type Option func(*options)

type options struct {
	logger *slog.Logger
	hook   EventHook
	clock  Clock
	system *actor.ActorSystem
}

// WithLogger sets the logger of the tree and of its actor system (default:
// slog.Default()). Every node logs through it tagged with its path.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithEventHook receives every lifecycle event (see Event).
func WithEventHook(h EventHook) Option { return func(o *options) { o.hook = h } }

// WithClock replaces the wall clock, for tests of intensity, timeouts,
// backoff, cool-down and watchdog without sleeping.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithActorSystem runs the tree in an existing actor system (a Go service
// that already has one) instead of a new one built with the tree's logger.
func WithActorSystem(sys *actor.ActorSystem) Option { return func(o *options) { o.system = sys } }

func buildOptions(opts []Option) *options {
	o := &options{logger: slog.Default(), clock: realClock{}}
	for _, opt := range opts {
		opt(o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}
