package brokerbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/brokers/amqp"
	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/queue"
)

// amqpCredit is the consumers' link credit: the library's default.
const amqpCredit = amqp.DefaultCredit

// amqpBench runs the AMQP 1.0 rows against one broker. Every row uses a
// connection of its own, opened and closed outside the timing.
type amqpBench struct {
	cfg  Config
	opts amqp.Options
	addr string
	body []byte
}

func newAMQPBench(cfg Config, body []byte) (*amqpBench, error) {
	u, err := amqp.ParseURI(cfg.URI)
	if err != nil {
		return nil, err
	}
	if len(u.Addresses) != 1 || u.Addresses[0].TLS {
		return nil, fmt.Errorf("broker URI %s: the bare loops need one plain amqp://host:port address", cfg.URI)
	}
	opts := amqp.Options{Logger: cfg.Logger, CloseTimeout: 2 * time.Second}
	if cfg.User != "" {
		opts.SASL = amqp.SASL{Mechanism: amqp.SASLPlain, Username: cfg.User, Password: cfg.Pass}
	}
	return &amqpBench{cfg: cfg, opts: opts, addr: u.Addresses[0].HostPort(), body: body}, nil
}

// fill puts n messages on the destination.
func (b *amqpBench) fill(ctx context.Context, n int) error {
	_, err := b.librarySend(2*PipelineWindow)(ctx, n)
	return err
}

// dialBare opens a go-amqp connection and session.
func (b *amqpBench) dialBare(ctx context.Context) (*goamqp.Conn, *goamqp.Session, error) {
	sasl := goamqp.SASLTypeAnonymous()
	if b.cfg.User != "" {
		sasl = goamqp.SASLTypePlain(b.cfg.User, b.cfg.Pass)
	}
	c, err := goamqp.Dial(ctx, "amqp://"+b.addr, &goamqp.ConnOptions{SASLType: sasl})
	if err != nil {
		return nil, nil, fmt.Errorf("go-amqp %s: %w", b.addr, err)
	}
	s, err := c.NewSession(ctx, nil)
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("go-amqp %s: session: %w", b.addr, err)
	}
	return c, s, nil
}

func (b *amqpBench) bareSend(window int) runFunc {
	return func(ctx context.Context, n int) (time.Duration, error) {
		c, sess, err := b.dialBare(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		s, err := sess.NewSender(ctx, b.cfg.Destination, nil)
		if err != nil {
			return 0, fmt.Errorf("go-amqp sender %s: %w", b.cfg.Destination, err)
		}
		start := time.Now()
		err = bare.AMQPSend(ctx, s, n, window, b.body, true)
		return time.Since(start), err
	}
}

func (b *amqpBench) bareConsume(ctx context.Context, n int) (time.Duration, error) {
	c, sess, err := b.dialBare(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	r, err := sess.NewReceiver(ctx, b.cfg.Destination, &goamqp.ReceiverOptions{Credit: -1})
	if err != nil {
		return 0, fmt.Errorf("go-amqp receiver %s: %w", b.cfg.Destination, err)
	}
	start := time.Now()
	err = bare.AMQPConsume(ctx, r, n, amqpCredit)
	return time.Since(start), err
}

func (b *amqpBench) dial(ctx context.Context) (*amqp.Conn, error) {
	return amqp.DialURI(ctx, b.cfg.URI, b.opts)
}

func (b *amqpBench) librarySend(window int) runFunc {
	return func(ctx context.Context, n int) (time.Duration, error) {
		c, err := b.dial(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		s, err := c.NewSender(ctx, b.cfg.Destination, amqp.SenderOptions{Window: window, Durable: true})
		if err != nil {
			return 0, err
		}
		m := &queue.Message{Body: b.body}
		errc := make(chan error, 1)
		start := time.Now()
		go func() {
			for i := range n {
				if err := s.Send(ctx, strconv.Itoa(i), m); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for range n {
			select {
			case conf, ok := <-s.Confirmations():
				if !ok {
					return 0, errors.New("sender stopped")
				}
				if conf.Err != nil {
					return 0, conf.Err
				}
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
		}
		d := time.Since(start)
		return d, <-errc
	}
}

func (b *amqpBench) libraryConsume(ctx context.Context, n int) (time.Duration, error) {
	c, err := b.dial(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	r, err := c.NewReceiver(ctx, b.cfg.Destination, amqp.ReceiverOptions{Credit: amqpCredit})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for range n {
		select {
		case d, ok := <-r.Deliveries():
			if !ok {
				return 0, fmt.Errorf("receiver stopped: %w", r.Err())
			}
			if err := d.Accept(ctx); err != nil {
				return 0, err
			}
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
	return time.Since(start), nil
}

// drain consumes n messages pre-settled, so that the next row starts from
// an empty destination.
func (b *amqpBench) drain(ctx context.Context, n int) error {
	_, err := b.take(ctx, n, 0)
	return err
}

// sweep consumes whatever the destination holds, until it stays silent
// for quiet.
func (b *amqpBench) sweep(ctx context.Context, quiet time.Duration) (int, error) {
	return b.take(ctx, -1, quiet)
}

// take consumes n messages pre-settled (n < 0: any number), or fewer when
// quiet is positive and no message came for that long; it returns how
// many.
func (b *amqpBench) take(ctx context.Context, n int, quiet time.Duration) (int, error) {
	c, err := b.dial(ctx)
	if err != nil {
		return 0, fmt.Errorf("drain: %w", err)
	}
	defer c.Close()
	r, err := c.NewReceiver(ctx, b.cfg.Destination, amqp.ReceiverOptions{Settled: true})
	if err != nil {
		return 0, fmt.Errorf("drain: %w", err)
	}
	return takeFrom(ctx, r.Deliveries(), n, quiet, nil, r.Err)
}

// amqpConnection returns the `with:` connection fields of the AMQP kinds.
func (b *amqpBench) amqpConnection() map[string]any {
	w := map[string]any{"uri": b.cfg.URI}
	if b.cfg.User != "" {
		w["auth"] = map[string]any{"scheme": "plain", "name": b.cfg.User, "pass": b.cfg.Pass}
	} else {
		w["auth"] = map[string]any{"scheme": "anonymous"}
	}
	return w
}

func (b *amqpBench) pipelineSend(ctx context.Context, n int) (time.Duration, error) {
	w := b.amqpConnection()
	w["destination"] = b.cfg.Destination
	w["window"] = PipelineWindow
	return runSendPipeline(ctx, b.cfg, "amqp.sender", w, n, b.body)
}

func (b *amqpBench) pipelineConsume(ctx context.Context, n int) (time.Duration, error) {
	w := b.amqpConnection()
	w["destination"] = b.cfg.Destination
	w["prefetch"] = amqpCredit
	return runConsumePipeline(ctx, b.cfg, "amqp.receiver", w, n)
}
