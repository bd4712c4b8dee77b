package queue

import (
	"math/rand/v2"
	"time"
)

// Element and intermediate directory names (dirq's _name and regexps).
//
// An element name is 8 hex digits of seconds, 5 of microseconds and one
// "random" digit chosen once per queue object, so that names sort in time
// order and two processes adding in the same microsecond still differ most of
// the time; the rare collision is resolved by retrying, as in dirq.

const (
	idirLen = 8  // intermediate directory: ^[0-9a-f]{8}$
	eltLen  = 14 // element: ^[0-9a-f]{14}$
)

const hexLower = "0123456789abcdef"

// appendHex appends v as exactly width lowercase hex digits.
func appendHex(b []byte, v uint64, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, hexLower[(v>>(uint(i)*4))&0xf])
	}
	return b
}

// appendName appends a fresh 14-hex element name for rndhex (0..15).
func appendName(b []byte, rndhex byte) []byte {
	now := time.Now()
	b = appendHex(b, uint64(now.Unix()), 8)
	b = appendHex(b, uint64(now.Nanosecond()/1000), 5)
	return append(b, hexLower[rndhex&0xf])
}

// parseHex decodes s when it is exactly width lowercase hex digits, the only
// names dirq's regexps accept.
func parseHex[S string | []byte](s S, width int) (uint64, bool) {
	if len(s) != width {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// isIdir reports whether s names an intermediate directory.
func isIdir[S string | []byte](s S) bool { _, ok := parseHex(s, idirLen); return ok }

// isElt reports whether s names an element inside an intermediate directory.
func isElt[S string | []byte](s S) bool { _, ok := parseHex(s, eltLen); return ok }

// validName reports whether name is a full element name "IDIR/ELT"
// (dirq's _DIRELT_REGEXP).
func validName(name string) bool {
	return len(name) == idirLen+1+eltLen && name[idirLen] == '/' &&
		isIdir(name[:idirLen]) && isElt(name[idirLen+1:])
}

// eltString formats an element number back to its 14-hex name.
func eltString(idir string, elt uint64) string {
	b := make([]byte, 0, idirLen+1+eltLen)
	b = append(b, idir...)
	b = append(b, '/')
	return string(appendHex(b, elt, eltLen))
}

// pickRndhex returns the configured digit modulo 16, or a random one.
func pickRndhex(opt *int) byte {
	if opt != nil {
		return byte(((*opt % 16) + 16) % 16)
	}
	return byte(rand.IntN(16))
}
