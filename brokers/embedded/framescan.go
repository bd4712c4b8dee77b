package embedded

import (
	"bytes"
	"strconv"
)

// frameScanner enforces MaxFrameSize on the raw byte stream, before the
// frame package sees it. The frame package itself is the parser; this is
// only a guard, needed because frame.Reader allocates a body of the declared
// content-length up front (up to 4 GiB) before reading a byte of it, and
// reads headers and NUL-terminated bodies without any bound.
//
// It follows frame boundaries with the same rules as frame.Reader: empty
// lines between frames are heart-beats, the first content-length header
// counts, a body runs for content-length bytes plus a NUL or up to the first
// NUL. Input the frame package would reject is let through for it to reject.
type frameScanner struct {
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

func newFrameScanner(max int) *frameScanner {
	return &frameScanner{max: max, clen: -1, line: make([]byte, 0, maxHeaderPeek)}
}

// scan checks the next bytes of the stream.
func (s *frameScanner) scan(p []byte) error {
	for len(p) > 0 {
		switch s.state {
		case scanBodyLength:
			n := min(s.left, len(p))
			s.left -= n
			p = p[n:]
			if s.left == 0 {
				// The NUL after the body: frame.Reader checks it.
				s.state = scanBodyNul
			}
			continue
		case scanBodyNul:
			i := bytes.IndexByte(p, 0)
			if i < 0 {
				s.size += len(p)
				if s.size > s.max {
					return errFrameTooLarge
				}
				return nil
			}
			s.size += i
			if s.size > s.max {
				return errFrameTooLarge
			}
			p = p[i+1:]
			s.reset()
			continue
		}
		// Command or header line.
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		s.size += len(chunk)
		if s.size > s.max {
			return errFrameTooLarge
		}
		room := maxHeaderPeek - len(s.line)
		if len(chunk) > room {
			s.long = true
		}
		s.line = append(s.line, chunk[:min(room, len(chunk))]...)
		if i < 0 {
			return nil
		}
		p = p[i+1:]
		if err := s.endLine(); err != nil {
			return err
		}
	}
	return nil
}

// endLine handles a complete command or header line.
func (s *frameScanner) endLine() error {
	line := bytes.TrimSuffix(s.line, []byte{'\r'})
	empty := len(line) == 0 && !s.long
	long := s.long
	s.line, s.long = s.line[:0], false
	switch {
	case s.state == scanCommand && empty:
		s.size = 0 // a heart-beat
	case s.state == scanCommand:
		s.state = scanHeaders
	case empty: // end of headers
		if s.clen >= 0 {
			s.state, s.left = scanBodyLength, s.clen
			s.size += s.clen
			if s.size > s.max {
				return errFrameTooLarge
			}
		} else {
			s.state = scanBodyNul
		}
	case s.clen == -1 && bytes.HasPrefix(line, []byte(contentLengthPrefix)):
		if long {
			return errFrameTooLarge // 50 digits: no sane length
		}
		n, err := strconv.ParseUint(string(line[len(contentLengthPrefix):]), 10, 32)
		if err != nil {
			s.clen = -2 // frame.Reader rejects it; nothing to guard
			return nil
		}
		if n > uint64(s.max) {
			return errFrameTooLarge
		}
		s.clen = int(n)
	}
	return nil
}

func (s *frameScanner) reset() {
	s.state, s.size, s.clen, s.left = scanCommand, 0, -1, 0
}
