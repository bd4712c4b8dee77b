package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"
)

// Backoff counts failed rounds (of connection, or of connections that died
// before doing anything useful) and spaces the next attempt by the Policy,
// so a broker refusing us is never hammered in a hot loop.
type Backoff struct {
	fails int
	// After replaces time.After (tests record the delays instead of
	// sleeping); nil is time.After.
	After func(time.Duration) <-chan time.Time
}

// Retry records a failure and reports whether p allows another round.
func (b *Backoff) Retry(p Policy) bool {
	b.fails++
	return p.MaxAttempts < 0 || b.fails <= p.MaxAttempts
}

// Reset forgets past failures (the connection did useful work).
func (b *Backoff) Reset() { b.fails = 0 }

// Wait sleeps the delay p gives for the current failure count (nothing
// before the first failure), logging it as "<proto> reconnecting"; it
// returns the cause when ctx ends first.
func (b *Backoff) Wait(ctx context.Context, p Policy, log *slog.Logger, proto, uri string) error {
	if b.fails == 0 {
		return nil
	}
	d := p.Delay(b.fails)
	log.Info(proto+" reconnecting", "uri", uri, "delay", d, "attempt", b.fails)
	after := b.After
	if after == nil {
		after = time.After
	}
	select {
	case <-after(d):
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Round tries every address once, in order (shuffled when randomize), and
// returns the first connection dial makes. Each failure is logged as
// "<proto> connect failed"; when all fail the error is the only one, or
// names the URI and joins them all.
func Round[A fmt.Stringer, C any](ctx context.Context, addrs []A, randomize bool, uri string,
	log *slog.Logger, proto string, dial func(context.Context, A) (C, error)) (C, error) {
	if randomize {
		addrs = slices.Clone(addrs)
		rand.Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	}
	var errs []error
	for _, a := range addrs {
		c, err := dial(ctx, a)
		if err == nil {
			return c, nil
		}
		log.Warn(proto+" connect failed", "broker", a.String(), "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	var zero C
	if len(errs) == 1 {
		return zero, errs[0]
	}
	return zero, fmt.Errorf("no broker of %s accepted: %w", uri, errors.Join(errs...))
}

// Redial runs connection rounds until one succeeds, waiting before each
// the delay b gives (none before the first unless b already counts
// failures). It stops with the round's error when final says so (e.g. a
// refused password, which stays wrong) or p allows no further round, and
// with the last error and the cause when ctx ends during a wait.
func Redial[C any](ctx context.Context, b *Backoff, p Policy, log *slog.Logger, proto, uri string,
	round func(context.Context) (C, error), final func(error) bool) (C, error) {
	var zero C
	var last error
	for {
		if err := b.Wait(ctx, p, log, proto, uri); err != nil {
			if last == nil {
				return zero, fmt.Errorf("%s connect %s: %w", proto, uri, err)
			}
			return zero, fmt.Errorf("%w (giving up: %w)", last, err)
		}
		c, err := round(ctx)
		if err == nil {
			return c, nil
		}
		last = err
		if (final != nil && final(err)) || !b.Retry(p) {
			return zero, err
		}
	}
}
