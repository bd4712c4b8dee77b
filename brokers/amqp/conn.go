package amqp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/brokers/internal/failover"
)

// Conn is one AMQP 1.0 connection to one broker address. Senders and
// Receivers are opened on it, each on a session of its own so that closing
// one never waits on the others.
//
// A Conn starts no goroutine of its own; go-amqp's connection goroutines end
// on Close or when the connection fails. Done is closed then and Err says
// why. Reconnecting is the caller's business: Dial again (the actor kinds
// restart), which walks the failover list with its backoff.
type Conn struct {
	addr Address
	opts Options
	c    *goamqp.Conn

	// noModified is set for RabbitMQ 3.x, which refuses the modified outcome.
	noModified bool

	mu     sync.Mutex
	links  map[link]struct{}
	closed bool
	failed error // the failure that had ended the connection before Close
}

// link is a Sender or Receiver, closed with its Conn. shutdown stops its
// goroutine and, when end is true, ends its session (Conn.Close does not:
// closing the connection ends every session at once).
type link interface{ shutdown(end bool) error }

// Dial connects to the first address of u that accepts, in order (shuffled
// when u.Randomize). When every address fails, it waits the failover
// backoff (u.InitialDelay, multiplied after each round up to u.MaxDelay) and
// tries another round, until u.MaxAttempts extra rounds were made or ctx
// ends. Authentication failures (*AuthError) are not retried: a wrong
// password stays wrong. The error names every broker and why it failed.
func Dial(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("amqp %s: %w", u, err)
	}
	return failover.Redial(ctx, &failover.Backoff{After: opts.after}, u.Policy, opts.Logger, "amqp", u.String(),
		func(ctx context.Context) (*Conn, error) { return dialRound(ctx, u, opts) },
		func(err error) bool {
			var auth *AuthError
			return errors.As(err, &auth) || ctx.Err() != nil
		})
}

// DialURI parses uri and dials it (see ParseURI and Dial).
func DialURI(ctx context.Context, uri string, opts Options) (*Conn, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, u, opts)
}

// dialRound tries every address once.
func dialRound(ctx context.Context, u *URI, opts Options) (*Conn, error) {
	return failover.Round(ctx, u.Addresses, u.Randomize, u.String(), opts.Logger, "amqp",
		func(ctx context.Context, a Address) (*Conn, error) { return dialAddress(ctx, a, opts) })
}

// dialAddress opens one connection: TCP (and TLS), SASL, open.
func dialAddress(ctx context.Context, a Address, opts Options) (*Conn, error) {
	co := &goamqp.ConnOptions{
		ContainerID:  opts.ContainerID,
		HostName:     opts.HostName,
		IdleTimeout:  opts.IdleTimeout,
		SASLType:     opts.saslType(),
		WriteTimeout: opts.WriteTimeout,
	}
	if opts.IdleTimeout == 0 {
		co.IdleTimeout = -1
	}
	if a.TLS {
		cfg, err := opts.TLS.Config(a.Host)
		if err != nil {
			return nil, fmt.Errorf("broker %s: %w", a, err)
		}
		co.TLSConfig = cfg
	}
	dctx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	c, err := goamqp.Dial(dctx, a.String(), co)
	if err != nil {
		if isAuthError(err) {
			user := ""
			if opts.SASL.Mechanism == SASLPlain {
				user = opts.SASL.Username
			}
			return nil, &AuthError{Addr: a, Mechanism: opts.SASL.Mechanism, User: user, Err: err}
		}
		return nil, fmt.Errorf("broker %s: connect: %w", a, err)
	}
	props := c.Properties()
	opts.Logger.Debug("amqp connected", "broker", a.String(), "product", props["product"], "version", props["version"])
	return &Conn{addr: a, opts: opts, c: c, links: map[link]struct{}{}, noModified: isRabbitMQ3(props)}, nil
}

// Addr is the broker address this connection reached.
func (c *Conn) Addr() Address { return c.addr }

// Properties returns the broker's open-frame properties (e.g. "product").
func (c *Conn) Properties() map[string]any { return c.c.Properties() }

// Done is closed when the connection has ended (failure or Close).
func (c *Conn) Done() <-chan struct{} { return c.c.Done() }

// Err returns why the connection ended: nil while it is up, ErrClosed after
// Close, otherwise the failure wrapped with the broker address.
func (c *Conn) Err() error {
	select {
	case <-c.c.Done():
	default:
		return nil
	}
	c.mu.Lock()
	closed, failed := c.closed, c.failed
	c.mu.Unlock()
	if closed {
		if failed != nil {
			return failed
		}
		return ErrClosed
	}
	if err := c.c.Err(); err != nil {
		// go-amqp's ConnError does not unwrap the read error: match its text.
		if c.opts.IdleTimeout > 0 && strings.HasSuffix(err.Error(), "i/o timeout") {
			return fmt.Errorf("broker %s: connection lost: silent for the idle timeout (%s): %w", c.addr, c.opts.IdleTimeout, err)
		}
		return fmt.Errorf("broker %s: connection lost: %w", c.addr, err)
	}
	return ErrClosed
}

// newSession opens the session of one link.
func (c *Conn) newSession(ctx context.Context) (*goamqp.Session, error) {
	s, err := c.c.NewSession(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("broker %s: begin session: %w", c.addr, err)
	}
	return s, nil
}

// register records l so that Close closes it; false if c is closed.
func (c *Conn) register(l link) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.links[l] = struct{}{}
	return true
}

func (c *Conn) unregister(l link) {
	c.mu.Lock()
	delete(c.links, l)
	c.mu.Unlock()
}

// endSession ends s, waiting at most CloseTimeout for the broker's answer.
// Links are never detached one by one: RabbitMQ 3.10 does not answer a
// detach, whereas ending the session detaches its links implicitly and is
// answered at once by both brokers.
func (c *Conn) endSession(s *goamqp.Session) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.CloseTimeout)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		select {
		case <-c.c.Done():
			return nil // the connection is gone: so is the session
		default:
		}
		return fmt.Errorf("broker %s: end session: no answer within %s: %w", c.addr, c.opts.CloseTimeout, err)
	}
	return nil
}

// Close closes every Sender and Receiver opened on c (ending their
// goroutines), then the connection. Unsettled messages received on it are
// redelivered by the broker; messages sent but not confirmed are in doubt.
// It returns the failure that had already ended the connection, if any (Err
// keeps returning it). Close never waits for the broker longer than
// WriteTimeout (the close frame's write).
func (c *Conn) Close() error {
	failed := c.Err() // before setting closed: a failure is reported as such
	if errors.Is(failed, ErrClosed) {
		failed = nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	links := make([]link, 0, len(c.links))
	for l := range c.links {
		links = append(links, l)
	}
	c.closed, c.failed = true, failed
	c.mu.Unlock()
	for _, l := range links {
		_ = l.shutdown(false)
	}
	if err := c.c.Close(); err != nil && failed == nil {
		failed = fmt.Errorf("broker %s: close: %w", c.addr, err)
	}
	return failed
}

// isRabbitMQ3 recognises RabbitMQ 3.x from its open-frame properties.
func isRabbitMQ3(props map[string]any) bool {
	product, _ := props["product"].(string)
	version, _ := props["version"].(string)
	return product == "RabbitMQ" && strings.HasPrefix(version, "3.")
}
