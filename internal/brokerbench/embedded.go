package brokerbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/bricksmq/bricks/brokers/embedded"
)

// Embedded is an in-process embedded broker (memory storage) to benchmark
// against, listening on a free port of 127.0.0.1.
type Embedded struct {
	srv    *embedded.Server
	served chan error
}

// StartEmbedded starts the embedded broker; Stop ends it.
func StartEmbedded(logger *slog.Logger) (*Embedded, error) {
	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0", Storage: embedded.StorageMemory, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	if err := srv.Listen(); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	e := &Embedded{srv: srv, served: make(chan error, 1)}
	go func() { e.served <- srv.Serve(context.Background()) }()
	return e, nil
}

// URI is the broker's stomp:// URI.
func (e *Embedded) URI() string { return "stomp://" + e.srv.Addr().String() }

// Stop shuts the broker down and waits for it.
func (e *Embedded) Stop(ctx context.Context) error {
	err := e.srv.Shutdown(ctx)
	if serr := <-e.served; serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	return err
}
