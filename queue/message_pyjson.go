package queue

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds a JSON reader and string writer that behave like CPython
// 3's json module (json.loads with its C scanner, json.dumps with
// ensure_ascii), so that Deserialize rejects exactly what python-messaging
// rejects, with the same error text, and Serialize writes the same bytes.
//
// Parsed values are: nil (null), bool, pyInt (an integer's decimal text),
// float64 (floats, NaN and ±Infinity), string, []any and *pyDict. Strings
// are UTF-8, except that a lone surrogate from a \uD800-style escape is kept
// as its 3-byte (WTF-8) encoding: Python keeps such strings, so we must be
// able to show them, and utf8.ValidString tells them apart.

// pyInt is a JSON integer in canonical decimal form (Python ints are
// unbounded, so it is never converted).
type pyInt string

// pyDict is a JSON object keeping Python's dict order: first insertion
// decides a key's place, the last duplicate its value.
type pyDict struct {
	keys []string
	vals map[string]any
}

func (d *pyDict) set(k string, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// get returns the value and whether the key is there.
func (d *pyDict) get(k string) (any, bool) {
	v, ok := d.vals[k]
	return v, ok
}

// pyJSONError is json.JSONDecodeError: a reason and a byte offset, shown
// as Python shows them (line, column and offset in characters).
type pyJSONError struct {
	msg string
	doc string
	pos int // byte offset into doc
}

func (e *pyJSONError) Error() string {
	prefix := e.doc[:e.pos]
	line := strings.Count(prefix, "\n") + 1
	col := utf8.RuneCountInString(prefix[strings.LastIndexByte(prefix, '\n')+1:]) + 1
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.msg, line, col, utf8.RuneCountInString(prefix))
}

// pyMaxDepth bounds nesting where CPython raises RecursionError (its
// default recursion limit).
const pyMaxDepth = 1000

type pyScanner struct {
	s     string
	depth int
}

// pyJSONLoads parses s (valid UTF-8) as json.loads does.
func pyJSONLoads(s string) (any, error) {
	if strings.HasPrefix(s, "\ufeff") {
		return nil, &pyJSONError{msg: "Unexpected UTF-8 BOM (decode using utf-8-sig)", doc: s}
	}
	p := &pyScanner{s: s}
	v, end, err := p.value(p.skipWS(0))
	if err != nil {
		return nil, err
	}
	if end = p.skipWS(end); end != len(s) {
		return nil, p.fail("Extra data", end)
	}
	return v, nil
}

func (p *pyScanner) fail(msg string, pos int) error {
	return &pyJSONError{msg: msg, doc: p.s, pos: pos}
}

func (p *pyScanner) skipWS(i int) int {
	for i < len(p.s) {
		switch p.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value scans one value at i and returns it with the offset after it.
func (p *pyScanner) value(i int) (any, int, error) {
	if i >= len(p.s) {
		return nil, i, p.fail("Expecting value", i)
	}
	switch c := p.s[i]; c {
	case '"':
		return p.str(i + 1)
	case '{', '[':
		if p.depth++; p.depth > pyMaxDepth {
			return nil, i, p.fail("maximum nesting depth exceeded", i)
		}
		defer func() { p.depth-- }()
		if c == '{' {
			return p.object(i + 1)
		}
		return p.array(i + 1)
	}
	for _, lit := range pyLiterals {
		if strings.HasPrefix(p.s[i:], lit.text) {
			return lit.value, i + len(lit.text), nil
		}
	}
	return p.number(i)
}

var pyLiterals = []struct {
	text  string
	value any
}{
	{"null", nil}, {"true", true}, {"false", false},
	{"NaN", math.NaN()}, {"Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)},
}

// pyIntMaxDigits is CPython's default limit on int("...") (3.11+):
// json.loads refuses longer integers with a ValueError.
const pyIntMaxDigits = 4300

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number follows CPython's _match_number: a fraction needs a digit after
// the dot and an exponent needs digits, else the number ends before them.
func (p *pyScanner) number(start int) (any, int, error) {
	s, i := p.s, start
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	case i < len(s) && s[i] == '0':
		i++
	default:
		return nil, start, p.fail("Expecting value", start)
	}
	float := false
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		float = true
		for i += 2; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if s[j] == '+' || s[j] == '-' {
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > j {
			float, i = true, k
		}
	}
	text := s[start:i]
	if !float {
		if n := len(strings.TrimPrefix(text, "-")); n > pyIntMaxDigits {
			return nil, start, fmt.Errorf("Exceeds the limit (%d digits) for integer string conversion: "+
				"value has %d digits; use sys.set_int_max_str_digits() to increase the limit", pyIntMaxDigits, n)
		}
		if text == "-0" {
			text = "0"
		}
		return pyInt(text), i, nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !isRangeErr(err) {
		return nil, start, p.fail("Expecting value", start)
	}
	return f, i, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (p *pyScanner) object(i int) (any, int, error) {
	d := &pyDict{vals: map[string]any{}}
	s := p.s
	i = p.skipWS(i)
	if i >= len(s) || s[i] != '}' {
		for i < len(s) {
			if s[i] != '"' {
				return nil, i, p.fail("Expecting property name enclosed in double quotes", i)
			}
			k, next, err := p.str(i + 1)
			if err != nil {
				return nil, next, err
			}
			if i = p.skipWS(next); i >= len(s) || s[i] != ':' {
				return nil, i, p.fail("Expecting ':' delimiter", i)
			}
			v, next, err := p.value(p.skipWS(i + 1))
			if err != nil {
				return nil, next, err
			}
			d.set(k.(string), v)
			if i = p.skipWS(next); i < len(s) && s[i] == '}' {
				break
			}
			if i >= len(s) || s[i] != ',' {
				return nil, i, p.fail("Expecting ',' delimiter", i)
			}
			i = p.skipWS(i + 1)
		}
	}
	if i >= len(s) || s[i] != '}' {
		return nil, i, p.fail("Expecting property name enclosed in double quotes", i)
	}
	return d, i + 1, nil
}

func (p *pyScanner) array(i int) (any, int, error) {
	l := []any{}
	s := p.s
	i = p.skipWS(i)
	if i >= len(s) || s[i] != ']' {
		for i < len(s) {
			v, next, err := p.value(i)
			if err != nil {
				return nil, next, err
			}
			l = append(l, v)
			if i = p.skipWS(next); i < len(s) && s[i] == ']' {
				break
			}
			if i >= len(s) || s[i] != ',' {
				return nil, i, p.fail("Expecting ',' delimiter", i)
			}
			i = p.skipWS(i + 1)
		}
	}
	if i >= len(s) || s[i] != ']' {
		return nil, i, p.fail("Expecting value", i)
	}
	return l, i + 1, nil
}

var pyEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// str scans a string whose opening quote is at begin-1 (strict mode:
// control characters must be escaped).
func (p *pyScanner) str(begin int) (any, int, error) {
	s := p.s
	var b strings.Builder
	chunk := begin
	for i := begin; ; {
		if i >= len(s) {
			return nil, i, p.fail("Unterminated string starting at", begin-1)
		}
		c := s[i]
		switch {
		case c == '"':
			if chunk == begin {
				return s[begin:i], i + 1, nil
			}
			b.WriteString(s[chunk:i])
			return b.String(), i + 1, nil
		case c < 0x20:
			return nil, i, p.fail("Invalid control character at", i)
		case c != '\\':
			i++
			continue
		}
		b.WriteString(s[chunk:i])
		if i+1 >= len(s) {
			return nil, i, p.fail("Unterminated string starting at", begin-1)
		}
		e := s[i+1]
		if e != 'u' {
			if pyEscapes[e] == 0 {
				return nil, i, p.fail("Invalid \\escape", i)
			}
			b.WriteByte(pyEscapes[e])
			i += 2
			chunk = i
			continue
		}
		r, ok := p.hex4(i + 1)
		if !ok {
			return nil, i + 1, p.fail("Invalid \\uXXXX escape", i+1)
		}
		i += 6
		if utf16IsHigh(r) && strings.HasPrefix(s[i:], "\\u") {
			r2, ok := p.hex4(i + 1)
			if !ok {
				return nil, i + 1, p.fail("Invalid \\uXXXX escape", i+1)
			}
			if utf16IsLow(r2) {
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				i += 6
			}
		}
		writeWTF8(&b, r)
		chunk = i
	}
}

// hex4 reads the four hex digits after the 'u' at u; like CPython it
// wants one more character after them (the closing quote at least).
func (p *pyScanner) hex4(u int) (rune, bool) {
	if u+5 >= len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[u+1:u+5], 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

func utf16IsHigh(r rune) bool { return 0xD800 <= r && r < 0xDC00 }
func utf16IsLow(r rune) bool  { return 0xDC00 <= r && r < 0xE000 }

// writeWTF8 writes r as UTF-8, or a surrogate as its generalised 3-byte
// form, which Go's decoder sees as invalid.
func writeWTF8(b *strings.Builder, r rune) {
	if 0xD800 <= r && r < 0xE000 {
		b.Write([]byte{0xED, byte(0xA0 | (r>>6)&0x1F), byte(0x80 | r&0x3F)})
		return
	}
	b.WriteRune(r)
}

// decodeWTF8 decodes one character of a string made by the scanner,
// including lone surrogates.
func decodeWTF8(s string) (rune, int) {
	if len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2]&0xC0 == 0x80 {
		return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	return utf8.DecodeRuneInString(s)
}

const pyHexDigits = "0123456789abcdef"

// writePyJSONString writes s (valid UTF-8) as json.dumps does with
// ensure_ascii: printable ASCII as is, except " and \, short escapes for
// \b \f \n \r \t, everything else as lowercase \uXXXX, astral characters
// as surrogate pairs. No HTML escaping.
func writePyJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	chunk := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F && c != '"' && c != '\\' {
			i++
			continue
		}
		b.WriteString(s[chunk:i])
		r, n := rune(c), 1
		if c >= 0x80 {
			r, n = decodeWTF8(s[i:])
		}
		i += n
		chunk = i
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r >= 0x10000 {
				r -= 0x10000
				writeU4(b, 0xD800+(r>>10))
				r = 0xDC00 + r&0x3FF
			}
			writeU4(b, r)
		}
	}
	b.WriteString(s[chunk:])
	b.WriteByte('"')
}

func writeU4(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(pyHexDigits[(r>>shift)&0xF])
	}
}
