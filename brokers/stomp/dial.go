package stomp

import (
	"context"

	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// Dial connects to the first address of u that accepts, in order (shuffled
// when u.Randomize). When every address fails, it waits the failover
// backoff (u.InitialDelay, multiplied after each round up to u.MaxDelay) and
// tries another round, until u.MaxAttempts extra rounds were made or ctx
// ends; the error then names every broker and why it failed (a refused
// CONNECT is a *BrokerError, e.g. a wrong password).
func Dial(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return redial(ctx, u, opts, &backoff{})
}

// redial runs connection rounds, waiting the backoff b dictates before each
// one, until a connection succeeds or b forbids another round.
func redial(ctx context.Context, u *URI, opts Options, b *backoff) (*Conn, error) {
	b.After = opts.after
	return failover.Redial(ctx, &b.Backoff, u.Policy, opts.Logger, "stomp", u.String(),
		func(ctx context.Context) (*Conn, error) { return dialRound(ctx, u, opts) }, nil)
}

// dialRound tries every address once.
func dialRound(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	return failover.Round(ctx, u.Addresses, u.Randomize, u.String(), opts.Logger, "stomp",
		func(ctx context.Context, a Address) (*Conn, error) { return dialAddress(ctx, a, opts) })
}

// backoff is the failover backoff, with the names the Sender and Receiver
// use: it persists across their reconnections.
type backoff struct{ failover.Backoff }

// retry records a failure and reports whether another round is allowed.
func (b *backoff) retry(u *URI) bool { return b.Retry(u.Policy) }

// reset forgets past failures (the connection did useful work).
func (b *backoff) reset() { b.Reset() }
