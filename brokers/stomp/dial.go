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
// CONNECT is a *BrokerError, e.g. a wrong password). Unlike a Sender or a
// Receiver, Dial retries a refused CONNECT like any other failure: a
// caller of the plain connection decides for itself.
func Dial(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return rounds(ctx, u, opts, &backoff{}, nil)
}

// redial is how a Sender or a Receiver connects: rounds spaced by the
// backoff b, but the first round in which a broker refused the CONNECT
// ends it with a *LoginError (see LoginError for why it is not retried).
func redial(ctx context.Context, u *URI, opts Options, b *backoff) (*Conn, error) {
	c, err := rounds(ctx, u, opts, b, loginRefused)
	if err != nil && loginRefused(err) && ctx.Err() == nil {
		return nil, &LoginError{Err: err}
	}
	return c, err
}

// rounds runs connection rounds, waiting the backoff b dictates before each
// one, until a connection succeeds, b forbids another round, or final
// (nil: never) says a round's error ends it.
func rounds(ctx context.Context, u *URI, opts Options, b *backoff, final func(error) bool) (*Conn, error) {
	b.After = opts.after
	return failover.Redial(ctx, &b.Backoff, u.Policy, opts.Logger, "stomp", u.String(),
		func(ctx context.Context) (*Conn, error) { return dialRound(ctx, u, opts) }, final)
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
