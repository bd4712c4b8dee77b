package embedded

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/bricksmq/bricks/brokers/internal/framelimit"
)

// readBufferSize is the frame reader's buffer; several pipelined frames fit.
const readBufferSize = 64 << 10

var errStopping = errors.New("broker shutting down")

// ioError marks an error of the network connection, as opposed to a frame
// the frame package could not parse.
type ioError struct{ err error }

func (e ioError) Error() string { return e.err.Error() }
func (e ioError) Unwrap() error { return e.err }

// netReader feeds the frame reader: it renews the read deadline before
// every read (so any byte, a heart-beat included, proves the client alive),
// enforces the frame size limit (framelimit.Scanner), and lets Shutdown interrupt
// a blocked read.
type netReader struct {
	nc net.Conn

	mu       sync.Mutex
	stopping bool
	timeout  time.Duration // 0 = no deadline

	scan *framelimit.Scanner // used by the reader goroutine only
}

func (r *netReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	if r.stopping {
		r.mu.Unlock()
		return 0, ioError{errStopping}
	}
	var deadline time.Time
	if r.timeout > 0 {
		deadline = time.Now().Add(r.timeout)
	}
	err := r.nc.SetReadDeadline(deadline)
	r.mu.Unlock()
	if err != nil {
		return 0, ioError{err}
	}
	n, err := r.nc.Read(p)
	if n > 0 {
		if _, serr := r.scan.Scan(p[:n]); serr != nil {
			return 0, serr
		}
	}
	if err != nil {
		return n, ioError{err}
	}
	return n, nil
}

// setTimeout changes the read deadline used from the next read on.
func (r *netReader) setTimeout(d time.Duration) {
	r.mu.Lock()
	r.timeout = d
	r.mu.Unlock()
}

// stop makes the blocked and every later read fail with errStopping.
func (r *netReader) stop() {
	r.mu.Lock()
	r.stopping = true
	_ = r.nc.SetReadDeadline(time.Unix(1, 0))
	r.mu.Unlock()
}

func (r *netReader) isStopping() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopping
}

// laterFlush hides a *bufio.Writer from frame.NewWriter, which would
// otherwise reuse it and flush the socket after every frame; the connection
// writer flushes once per batch instead.
type laterFlush struct{ w *bufio.Writer }

func (l laterFlush) Write(p []byte) (int, error) { return l.w.Write(p) }

// protoError is a client mistake: it is reported in an ERROR frame, after
// which the connection is closed.
type protoError struct {
	msg    string   // short, for the "message" header
	detail string   // the body
	header []string // extra ERROR headers, as name, value pairs
}

func (e *protoError) Error() string {
	if e.detail == "" {
		return e.msg
	}
	return e.msg + ": " + e.detail
}

func protoErrorf(msg, format string, args ...any) *protoError {
	return &protoError{msg: msg, detail: fmt.Sprintf(format, args...)}
}
