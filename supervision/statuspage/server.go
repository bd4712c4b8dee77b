package statuspage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server serves a handler on a listener until Close: what `bricks run
// --http` runs beside the tree.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen opens addr ("127.0.0.1:8080"; port 0 picks a free one). Listening
// before the tree starts makes a taken or malformed address a startup
// error that names it.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("status page: listen on %s: %w", addr, err)
	}
	return &Server{ln: ln, done: make(chan struct{})}, nil
}

// Addr is the address the server listens on, with the actual port.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves h in a goroutine of its own until Close; errors other than
// the close are logged to logger.
func (s *Server) Serve(h http.Handler, logger *slog.Logger) {
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("status page stopped", slog.String("addr", s.ln.Addr().String()), slog.String("reason", err.Error()))
		}
	}()
}

// Close stops serving: requests in progress may finish until ctx ends,
// then the remaining connections are closed. A server never served only
// closes its listener.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return s.ln.Close()
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	return err
}
