package stomp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
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
	var last error
	for {
		if err := b.wait(ctx, u, opts); err != nil {
			if last == nil {
				return nil, fmt.Errorf("stomp connect %s: %w", u, err)
			}
			return nil, fmt.Errorf("%w (giving up: %w)", last, err)
		}
		c, err := dialRound(ctx, u, opts)
		if err == nil {
			return c, nil
		}
		last = err
		if !b.retry(u) {
			return nil, err
		}
	}
}

// dialRound tries every address once.
func dialRound(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	addrs := u.Addresses
	if u.Randomize {
		addrs = slices.Clone(addrs)
		rand.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	}
	var errs []error
	for _, a := range addrs {
		c, err := dialAddress(ctx, a, opts)
		if err == nil {
			return c, nil
		}
		opts.Logger.Warn("stomp connect failed", "broker", a.String(), "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, fmt.Errorf("no broker of %s accepted: %w", u, errors.Join(errs...))
}

// backoff counts failed rounds (of connection, or of connections that died
// before doing anything useful) and spaces the next attempt accordingly, so
// a broker refusing us is never hammered in a hot loop.
type backoff struct{ fails int }

// retry records a failure and reports whether another round is allowed.
func (b *backoff) retry(u *URI) bool {
	b.fails++
	return u.MaxAttempts < 0 || b.fails <= u.MaxAttempts
}

// reset forgets past failures (the connection did useful work).
func (b *backoff) reset() { b.fails = 0 }

// wait sleeps the delay for the current failure count (none if 0).
func (b *backoff) wait(ctx context.Context, u *URI, opts Options) error {
	if b.fails == 0 {
		return nil
	}
	d := u.delay(b.fails)
	opts.Logger.Info("stomp reconnecting", "uri", u.String(), "delay", d, "attempt", b.fails)
	select {
	case <-opts.after(d):
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
