package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Listen once Shutdown has run (Serve then
// returns nil: the server was stopped on purpose).
var ErrServerClosed = errors.New("embedded broker: server closed")

// Server is an in-process STOMP broker. Create it with New, then Listen and
// Serve; Shutdown (or cancelling Serve's context) stops it and waits for every
// connection goroutine to end.
type Server struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*conn]struct{}
	queues map[string]*destination // by queue name (without "/queue/")
	topics map[string]*topic       // by destination
	closed bool
	wg     sync.WaitGroup // connection goroutines

	accepting sync.WaitGroup // Serve's accept loop
	stopped   chan struct{}  // closed when Shutdown begins

	dirLock  *os.File      // held while serving a dir, so no second broker shares it
	idPrefix string        // unique per server run, prefixes message ids
	msgSeq   atomic.Uint64 // message ids
	connSeq  atomic.Uint64 // session ids
}

// New checks opts and returns a Server that is not listening yet.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	return &Server{
		opts:     o,
		log:      o.Logger,
		conns:    map[*conn]struct{}{},
		queues:   map[string]*destination{},
		topics:   map[string]*topic{},
		stopped:  make(chan struct{}),
		idPrefix: hex.EncodeToString(b[:]) + "-",
	}, nil
}

// Listen binds the listening socket, so that Addr is known before Serve
// runs. Serve calls it when it was not called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.ln != nil {
		return nil
	}
	if s.opts.Storage == StorageDir && s.dirLock == nil {
		lock, err := lockDir(s.opts.Dir)
		if err != nil {
			return err
		}
		s.dirLock = lock
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		if s.dirLock != nil { // let the next attempt (a restart) take it
			s.dirLock.Close()
			s.dirLock = nil
		}
		return fmt.Errorf("embedded broker: listen %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	s.log.Info("stomp broker listening", "addr", ln.Addr().String(), "storage", s.opts.Storage)
	return nil
}

// Addr returns the address the server listens on, or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serve accepts connections until ctx is done or Shutdown is called. When
// ctx ends it shuts the server down itself (waiting at most
// DefaultCloseTimeout for connections to flush) before returning. It
// returns nil after a shutdown and an error when accepting fails.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		if errors.Is(err, ErrServerClosed) {
			return nil
		}
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	ln := s.ln
	s.accepting.Add(1)
	s.mu.Unlock()

	stopWatch, watcherDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), DefaultCloseTimeout)
			defer cancel()
			_ = s.Shutdown(sctx)
		case <-stopWatch:
		}
	}()
	err := s.acceptLoop(ln)
	s.accepting.Done()
	close(stopWatch)
	<-watcherDone
	return err
}

func (s *Server) acceptLoop(ln net.Listener) error {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("embedded broker: accept on %s: %w", ln.Addr(), err)
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does, rather than take the broker down.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("stomp broker accept failed; retrying", "err", err, "delay", delay)
			select {
			case <-time.After(delay):
			case <-s.stopped:
			}
			continue
		}
		delay = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return nil
		}
		c := newConn(s, nc, strconv.FormatUint(s.connSeq.Add(1), 10))
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.run()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Shutdown stops accepting, asks every connection to flush what it owes
// (receipts, errors) and close, requeues unacknowledged messages, and
// waits for every goroutine to end. When ctx ends first, the remaining
// connections are closed abruptly; Shutdown still waits for their goroutines
// and returns ctx's error. Calling it again is harmless.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	ln := s.ln
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if first {
		close(s.stopped)
		s.log.Info("stomp broker shutting down", "connections", len(conns))
	}
	if ln != nil {
		ln.Close()
	}
	for _, c := range conns {
		c.stop()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); s.accepting.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
	}
	if first {
		s.closeStores()
	}
	return err
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// nextMessageID returns a message id unique across server runs.
func (s *Server) nextMessageID() string {
	return s.idPrefix + strconv.FormatUint(s.msgSeq.Add(1), 10)
}

// isTopic tells topics (fan-out) from queues (point-to-point).
func isTopic(dest string) bool { return strings.HasPrefix(dest, "/topic/") }

// queueName maps a queue destination to its name: "/queue/x" and "x" are
// the same queue, as on ActiveMQ.
func queueName(dest string) string { return strings.TrimPrefix(dest, "/queue/") }

// queue returns the queue called name, opening its store on first use.
func (s *Server) queue(name string) (*destination, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.queues[name]; ok {
		return d, nil
	}
	if s.closed {
		return nil, &protoError{msg: "broker shutting down"}
	}
	var st store = &memoryStore{}
	if s.opts.Storage == StorageDir {
		var err error
		if st, err = openDirStore(s.opts.Dir, name, s.log); err != nil {
			return nil, fmt.Errorf("open queue %q: %w", name, err)
		}
	}
	d := newDestination(name, st, s.log)
	s.queues[name] = d
	return d, nil
}

// closeStores closes every queue's store once no connection is left.
func (s *Server) closeStores() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, d := range s.queues {
		d.mu.Lock()
		if err := d.store.close(); err != nil {
			s.log.Error("stomp broker: close queue failed", "queue", name, "err", err)
		}
		d.mu.Unlock()
	}
	if s.dirLock != nil {
		s.dirLock.Close() // releases the flock
		s.dirLock = nil
	}
}

// QueueDepth returns how many messages queue dest holds: waiting for a
// subscriber plus delivered and not yet acknowledged. Tests use it to check
// that a pipeline drained a queue. A queue never used counts 0 (with dir
// storage, a queue is read from disk on first use).
func (s *Server) QueueDepth(dest string) int {
	s.mu.Lock()
	d := s.queues[queueName(dest)]
	s.mu.Unlock()
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.store.waiting()
	for _, sub := range d.subs {
		n += sub.unacked.Len()
	}
	return n
}
