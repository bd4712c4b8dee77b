// Package framelimit enforces a maximum STOMP frame size on a raw byte
// stream, before go-stomp's frame package parses it. Both ends of bricks'
// STOMP connections need it: the embedded broker (brokers/embedded) against
// its clients, the client (brokers/stomp) against its broker.
//
// The frame package is the parser; this is only a guard, needed because
// frame.Reader allocates a body of the declared content-length up front (up
// to 4 GiB) before reading a byte of it, and reads command lines, headers
// and NUL-terminated bodies without any bound. Only the packages under
// brokers/ may import this one.
package framelimit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrTooLarge matches (errors.Is) every *TooLargeError.
var ErrTooLarge = errors.New("frame too large")

// TooLargeError says which frame broke the limit, and how.
type TooLargeError struct {
	// Limit is the maximum frame size in bytes.
	Limit int
	// ContentLength is the declared content-length when the frame was
	// refused for it (alone or with the headers), otherwise -1: the command
	// line, the headers or a NUL-terminated body outgrew the limit, or a
	// content-length had absurdly many digits.
	ContentLength int64
}

// Error describes the offence only ("content-length N > limit M"); callers
// add who sent the frame.
func (e *TooLargeError) Error() string {
	switch {
	case e.ContentLength > int64(e.Limit):
		return fmt.Sprintf("content-length %d > limit %d", e.ContentLength, e.Limit)
	case e.ContentLength >= 0:
		return fmt.Sprintf("headers plus content-length %d > limit %d", e.ContentLength, e.Limit)
	}
	return fmt.Sprintf("longer than the limit of %d bytes", e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Scanner follows frame boundaries with the same rules as frame.Reader:
// empty lines between frames are heart-beats, the first content-length
// header counts, a body runs for content-length bytes plus a NUL or up to
// the first NUL. Input the frame package would reject is let through for
// it to reject. A Scanner is not safe for concurrent use.
type Scanner struct {
	max   int
	state scanState
	size  int    // bytes of the current frame so far
	line  []byte // current header line, up to maxHeaderPeek bytes
	long  bool   // the current line is longer than line holds
	clen  int    // content-length of the current frame, -1 when none
	left  int    // body bytes still expected with a content-length
}

type scanState int

const (
	scanCommand scanState = iota // at a frame start (or in heart-beats)
	scanHeaders
	scanBodyLength // counting content-length bytes
	scanBodyNul    // looking for the terminating NUL
)

// maxHeaderPeek is enough of a header line to read a content-length.
const maxHeaderPeek = 64

const contentLengthPrefix = "content-length:"

// NewScanner returns a Scanner for frames of at most max bytes (command,
// headers and body, without the heart-beats between frames).
func NewScanner(max int) *Scanner {
	return &Scanner{max: max, clen: -1, line: make([]byte, 0, maxHeaderPeek)}
}

// Scan checks the next bytes of the stream. On a frame too large it returns
// a *TooLargeError and the number of leading bytes of p that belong to
// frames (and heart-beats) complete before the offending one: those may be
// passed on, the rest must not be. The stream is then unusable.
func (s *Scanner) Scan(p []byte) (int, error) {
	pos, start := 0, 0 // start: where the current frame began in p
	for pos < len(p) {
		switch s.state {
		case scanBodyLength:
			n := min(s.left, len(p)-pos)
			s.left -= n
			pos += n
			if s.left == 0 {
				// The NUL after the body: frame.Reader checks it.
				s.state = scanBodyNul
			}
			continue
		case scanBodyNul:
			i := bytes.IndexByte(p[pos:], 0)
			if i < 0 {
				s.size += len(p) - pos
				if s.size > s.max {
					return start, s.tooLarge()
				}
				return len(p), nil
			}
			s.size += i
			if s.size > s.max {
				return start, s.tooLarge()
			}
			pos += i + 1
			start = pos
			s.reset()
			continue
		}
		// Command or header line.
		i := bytes.IndexByte(p[pos:], '\n')
		chunk := p[pos:]
		if i >= 0 {
			chunk = chunk[:i]
		}
		s.size += len(chunk)
		if s.size > s.max {
			return start, s.tooLarge()
		}
		room := maxHeaderPeek - len(s.line)
		if len(chunk) > room {
			s.long = true
		}
		s.line = append(s.line, chunk[:min(room, len(chunk))]...)
		if i < 0 {
			return len(p), nil
		}
		pos += i + 1
		beat, err := s.endLine()
		if err != nil {
			return start, err
		}
		if beat {
			start = pos
		}
	}
	return len(p), nil
}

// tooLarge is the error for a frame that outgrew the limit as it went.
func (s *Scanner) tooLarge() error {
	return &TooLargeError{Limit: s.max, ContentLength: -1}
}

// endLine handles a complete command or header line; it reports whether
// the line was a heart-beat.
func (s *Scanner) endLine() (beat bool, err error) {
	line := bytes.TrimSuffix(s.line, []byte{'\r'})
	empty := len(line) == 0 && !s.long
	long := s.long
	s.line, s.long = s.line[:0], false
	switch {
	case s.state == scanCommand && empty:
		s.size = 0
		return true, nil
	case s.state == scanCommand:
		s.state = scanHeaders
	case empty: // end of headers
		if s.clen >= 0 {
			s.state, s.left = scanBodyLength, s.clen
			s.size += s.clen
			if s.size > s.max {
				return false, &TooLargeError{Limit: s.max, ContentLength: int64(s.clen)}
			}
		} else {
			s.state = scanBodyNul
		}
	case s.clen == -1 && bytes.HasPrefix(line, []byte(contentLengthPrefix)):
		if long {
			return false, s.tooLarge() // 50 digits: no sane length
		}
		n, err := strconv.ParseUint(string(line[len(contentLengthPrefix):]), 10, 32)
		if err != nil {
			s.clen = -2 // frame.Reader rejects it; nothing to guard
			return false, nil
		}
		if n > uint64(s.max) {
			return false, &TooLargeError{Limit: s.max, ContentLength: int64(n)}
		}
		s.clen = int(n)
	}
	return false, nil
}

func (s *Scanner) reset() {
	s.state, s.size, s.clen, s.left = scanCommand, 0, -1, 0
}

// Reader passes the bytes of an io.Reader through a Scanner: the frames
// complete before an oversized one are read as usual, then every Read
// fails with the *TooLargeError. Put it under the frame.Reader (inside its
// buffering), so the offending frame never reaches the frame package.
type Reader struct {
	r   io.Reader
	s   *Scanner
	err error
}

// NewReader guards r with a limit of max bytes per frame.
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{r: r, s: NewScanner(max)}
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.r.Read(p)
	if n > 0 {
		if k, serr := r.s.Scan(p[:n]); serr != nil {
			r.err = serr
			if k > 0 {
				return k, nil // the complete frames first; the error next time
			}
			return 0, serr
		}
	}
	return n, err
}
