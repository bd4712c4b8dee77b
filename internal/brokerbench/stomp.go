package brokerbench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokerbench/bare"
	"github.com/bricksmq/bricks/queue"
)

// stompPrefetch is the consumers' prefetch: the library's default.
const stompPrefetch = stomp.DefaultPrefetch

// stompBench runs the STOMP rows against one broker.
type stompBench struct {
	cfg  Config
	uri  *stomp.URI
	opts stomp.Options
	addr string
	body []byte
}

func newSTOMPBench(cfg Config, body []byte) (*stompBench, error) {
	u, err := stomp.ParseURI(cfg.URI)
	if err != nil {
		return nil, err
	}
	if len(u.Addresses) != 1 || u.Addresses[0].TLS {
		return nil, fmt.Errorf("broker URI %s: the bare loops need one plain stomp://host:port address", cfg.URI)
	}
	opts := stomp.Options{VirtualHost: cfg.VirtualHost, Logger: cfg.Logger}
	if cfg.User != "" {
		opts.Auth = stomp.Auth{Scheme: "plain", Name: cfg.User, Pass: cfg.Pass}
	}
	return &stompBench{cfg: cfg, uri: u, opts: opts, addr: u.Addresses[0].HostPort(), body: body}, nil
}

// fill puts n messages on the destination.
func (b *stompBench) fill(ctx context.Context, n int) error {
	_, err := b.librarySend(PipelineWindow)(ctx, n)
	return err
}

func (b *stompBench) bareSend(window int) runFunc {
	return func(ctx context.Context, n int) (time.Duration, error) {
		c, err := bare.DialSTOMP(ctx, b.addr, b.cfg.User, b.cfg.Pass, b.cfg.VirtualHost)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
		start := time.Now()
		err = c.Send(b.cfg.Destination, n, window, b.body)
		return time.Since(start), err
	}
}

func (b *stompBench) librarySend(window int) runFunc {
	return func(ctx context.Context, n int) (time.Duration, error) {
		s, err := stomp.NewSender(ctx, b.uri, b.opts, stomp.SenderOptions{Window: window})
		if err != nil {
			return 0, err
		}
		defer func() {
			// Bounded: after a failure, messages may stay unconfirmed.
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = s.Close(cctx)
		}()
		errc := make(chan error, 1)
		m := &queue.Message{Body: b.body}
		start := time.Now()
		go func() {
			for i := range n {
				if err := s.Send(ctx, strconv.Itoa(i), b.cfg.Destination, m); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for range n {
			select {
			case r, ok := <-s.Results():
				if !ok {
					return 0, fmt.Errorf("sender stopped: %w", s.Err())
				}
				if r.Err != nil {
					return 0, r.Err
				}
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
		}
		d := time.Since(start)
		return d, <-errc
	}
}

func (b *stompBench) bareConsume(ctx context.Context, n int) (time.Duration, error) {
	c, err := bare.DialGoStomp(b.addr, b.cfg.User, b.cfg.Pass, b.cfg.VirtualHost, stompPrefetch)
	if err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { c.MustDisconnect() })
	defer stop()
	start := time.Now()
	err = bare.GoStompConsume(c, b.cfg.Destination, n, stompPrefetch)
	d := time.Since(start)
	if stop() {
		err = errors.Join(err, c.Disconnect())
	}
	return d, err
}

func (b *stompBench) libraryConsume(ctx context.Context, n int) (time.Duration, error) {
	r, err := stomp.NewReceiver(ctx, b.uri, b.opts, stomp.SubscribeOptions{Destination: b.cfg.Destination, Prefetch: stompPrefetch})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	start := time.Now()
	for range n {
		select {
		case dl, ok := <-r.Deliveries():
			if !ok {
				return 0, fmt.Errorf("receiver stopped: %w", r.Err())
			}
			if err := dl.Ack(); err != nil {
				return 0, err
			}
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
	return time.Since(start), nil
}

// drain consumes n messages, so that the next row starts from an empty
// destination. Not with ack:auto: a broker may then send MESSAGE frames
// ahead of the SUBSCRIBE receipt, more than the Receiver buffers. Not with
// a prefetch of 1000 either: ActiveMQ 5.17 then stops dispatching after
// about 1000 messages, acknowledged or not (and sends no heart-beat).
func (b *stompBench) drain(ctx context.Context, n int) error {
	_, err := b.take(ctx, n, 0)
	return err
}

// sweep consumes whatever the destination holds, until it stays silent
// for quiet.
func (b *stompBench) sweep(ctx context.Context, quiet time.Duration) (int, error) {
	return b.take(ctx, -1, quiet)
}

// take acknowledges n messages (n < 0: any number), or fewer when quiet
// is positive and no message came for that long; it returns how many.
func (b *stompBench) take(ctx context.Context, n int, quiet time.Duration) (int, error) {
	r, err := stomp.NewReceiver(ctx, b.uri, b.opts, stomp.SubscribeOptions{Destination: b.cfg.Destination, Prefetch: stompPrefetch})
	if err != nil {
		return 0, fmt.Errorf("drain: %w", err)
	}
	defer r.Close()
	return takeFrom(ctx, r.Deliveries(), n, quiet, (*stomp.Delivery).Ack, r.Err)
}

// stompConnection returns the `with:` connection fields of the STOMP kinds.
func (b *stompBench) stompConnection() map[string]any {
	w := map[string]any{"uri": b.cfg.URI, "virtual_host": b.cfg.VirtualHost}
	if b.cfg.User != "" {
		w["auth"] = map[string]any{"name": b.cfg.User, "pass": b.cfg.Pass}
	}
	return w
}

func (b *stompBench) pipelineSend(ctx context.Context, n int) (time.Duration, error) {
	w := b.stompConnection()
	w["destination"] = b.cfg.Destination
	w["window"] = PipelineWindow
	return runSendPipeline(ctx, b.cfg, "stomp.sender", w, n, b.body)
}

func (b *stompBench) pipelineConsume(ctx context.Context, n int) (time.Duration, error) {
	w := b.stompConnection()
	w["destination"] = b.cfg.Destination
	w["prefetch"] = stompPrefetch
	return runConsumePipeline(ctx, b.cfg, "stomp.receiver", w, n)
}
