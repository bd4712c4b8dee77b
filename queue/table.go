package queue

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// DQN "table" fields: a map of strings stored as lines "KEY<TAB>VALUE<LF>"
// in sorted key order, with backslash, TAB and LF escaped as \\, \t and \n
// (dirq's _hash2string / _string2hash, byte-identical).

// FormatTable serialises a table exactly as dirq does. An empty table is an
// empty file.
func FormatTable(t map[string]string) []byte {
	if len(t) == 0 {
		return []byte{}
	}
	keys := make([]string, 0, len(t))
	size := 0
	for k, v := range t {
		keys = append(keys, k)
		size += len(k) + len(v) + 2
	}
	// Go compares UTF-8 bytes, which orders like Python compares code points.
	slices.Sort(keys)
	b := make([]byte, 0, size+size/8)
	for _, k := range keys {
		b = appendEscaped(b, k)
		b = append(b, '\t')
		b = appendEscaped(b, t[k])
		b = append(b, '\n')
	}
	return b
}

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

// ParseTable decodes a table file. Leading and trailing LF characters are
// ignored; every other line must hold exactly one TAB (so an empty line
// inside is an error). Unknown backslash sequences are kept verbatim and a
// repeated key keeps its last value, as in dirq. Errors wrap ErrSchema and
// give the 1-based line number in the file.
func ParseTable(data []byte) (map[string]string, error) {
	t := map[string]string{}
	if len(data) == 0 {
		return t, nil
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: table is not valid UTF-8", ErrSchema)
	}
	s := string(data)
	trimmed := strings.TrimLeft(s, "\n")
	line := len(s) - len(trimmed) + 1
	for l := range strings.SplitSeq(strings.TrimRight(trimmed, "\n"), "\n") {
		k, v, ok := strings.Cut(l, "\t")
		if !ok || strings.IndexByte(v, '\t') >= 0 {
			return nil, fmt.Errorf("%w: table line %d: unexpected hash line %q", ErrSchema, line, l)
		}
		t[unescape(k)] = unescape(v)
		line++
	}
	return t, nil
}

// unescape turns \\, \t and \n back into their characters, scanning left to
// right so "\\n" is a backslash followed by n.
func unescape(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\':
				b = append(b, '\\')
				i++
				continue
			case 't':
				b = append(b, '\t')
				i++
				continue
			case 'n':
				b = append(b, '\n')
				i++
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}
