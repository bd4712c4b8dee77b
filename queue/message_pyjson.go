package queue

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
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
func decodeWTF8[S string | []byte](s S) (rune, int) {
	if len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2]&0xC0 == 0x80 {
		return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), 3
	}
	var c [utf8.UTFMax]byte
	return utf8.DecodeRune(c[:copy(c[:], s[:min(len(s), utf8.UTFMax)])])
}

const pyHexDigits = "0123456789abcdef"

// appendPyJSONString appends s (valid UTF-8, or WTF-8 from the scanner) as
// json.dumps does with ensure_ascii: printable ASCII as is, except " and \,
// short escapes for \b \f \n \r \t, everything else as lowercase \uXXXX,
// astral characters as surrogate pairs. No HTML escaping.
func appendPyJSONString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	chunk := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[chunk:i]...)
		r, n := rune(c), 1
		if c >= 0x80 {
			r, n = decodeWTF8(s[i:])
		}
		i += n
		chunk = i
		switch r {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if r >= 0x10000 {
				r -= 0x10000
				b = appendU4(b, 0xD800+(r>>10))
				r = 0xDC00 + r&0x3FF
			}
			b = appendU4(b, r)
		}
	}
	b = append(b, s[chunk:]...)
	return append(b, '"')
}

func appendU4(b []byte, r rune) []byte {
	return append(b, '\\', 'u', pyHexDigits[(r>>12)&0xF], pyHexDigits[(r>>8)&0xF],
		pyHexDigits[(r>>4)&0xF], pyHexDigits[r&0xF])
}

// deserializeFast decodes the form every python-messaging and bricks writer
// produces, straight from the bytes and with a handful of allocations: one
// object whose members are among "header" (an object of strings), "body"
// (a string), "text" (true or false) and "encoding" (a string), each at most
// once, and strings whose escapes are all valid and pair their surrogates.
// data must be valid UTF-8. It reports false for anything else, and for any
// input the message cannot be built from, so that Deserialize's general
// path decides, with Python's error texts; when it reports true the message
// is the one the general path builds (FuzzDeserializeFast checks this).
func deserializeFast(data []byte) (*Message, bool) {
	var (
		hdrs           [maxSortedOnStack]fastPair
		pairs          = hdrs[:0]
		seen           uint8
		body, encoding fastSpan
		isText         bool
	)
	i := fastWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i = fastWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for {
			key, next, ok := fastString(data, i)
			if !ok || key.esc {
				return nil, false
			}
			if i = fastWS(data, next); i >= len(data) || data[i] != ':' {
				return nil, false
			}
			i = fastWS(data, i+1)
			var bit uint8
			switch string(data[key.start:key.end]) {
			case "header":
				bit = 1
				if pairs, i, ok = fastHeader(data, i, pairs); !ok {
					return nil, false
				}
			case "body":
				bit = 2
				if body, i, ok = fastString(data, i); !ok {
					return nil, false
				}
			case "text":
				bit = 4
				switch {
				case bytes.HasPrefix(data[i:], []byte("true")):
					isText, i = true, i+4
				case bytes.HasPrefix(data[i:], []byte("false")):
					isText, i = false, i+5
				default:
					return nil, false
				}
			case "encoding":
				bit = 8
				if encoding, i, ok = fastString(data, i); !ok || encoding.esc {
					return nil, false
				}
			default:
				return nil, false
			}
			if seen&bit != 0 {
				return nil, false // duplicate: the general path keeps the last
			}
			seen |= bit
			if i = fastWS(data, i); i < len(data) && data[i] == '}' {
				i++
				break
			}
			if i >= len(data) || data[i] != ',' {
				return nil, false
			}
			i = fastWS(data, i+1)
		}
	}
	if fastWS(data, i) != len(data) {
		return nil, false
	}
	header, ok := fastHeaderMap(data, pairs)
	if !ok {
		return nil, false
	}
	var enc string
	var encValue any // absent
	if seen&8 != 0 {
		enc, encValue = internEncoding(data[encoding.start:encoding.end])
	}
	b := pyBody{data: []byte{}}
	switch {
	case seen&2 == 0:
	case !body.esc && strings.Contains(enc, "base64"):
		// Base64 decoding makes a new slice (or fails, and the general
		// path takes over): the text can be read in place, not copied.
		b = pyBody{data: data[body.start:body.end], isStr: true}
	default:
		if b.data, ok = fastUnescape(make([]byte, 0, body.end-body.start), data[body.start:body.end], body.esc); !ok {
			return nil, false
		}
		b.isStr = true
	}
	m, err := finishMessage(header, b, isText, encValue)
	return m, err == nil
}

// fastSpan is the raw text of a JSON string, quotes excluded, and whether
// it holds escapes.
type fastSpan struct {
	start, end int
	esc        bool
}

type fastPair struct{ k, v fastSpan }

func fastWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// fastString scans the string starting with the quote at i; control
// characters (an error for json.loads) refuse it.
func fastString(data []byte, i int) (fastSpan, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return fastSpan{}, i, false
	}
	sp := fastSpan{start: i + 1}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			sp.end = j
			return sp, j + 1, true
		case c == '\\':
			sp.esc = true
			j++ // the escaped character cannot end the string
		case c < 0x20:
			return fastSpan{}, j, false
		}
	}
	return fastSpan{}, len(data), false
}

// fastHeader scans the header object at i, collecting its members.
func fastHeader(data []byte, i int, pairs []fastPair) ([]fastPair, int, bool) {
	if i >= len(data) || data[i] != '{' {
		return nil, i, false
	}
	if i = fastWS(data, i+1); i < len(data) && data[i] == '}' {
		return pairs, i + 1, true
	}
	for {
		k, next, ok := fastString(data, i)
		if !ok {
			return nil, i, false
		}
		if i = fastWS(data, next); i >= len(data) || data[i] != ':' {
			return nil, i, false
		}
		v, next, ok := fastString(data, fastWS(data, i+1))
		if !ok {
			return nil, i, false
		}
		pairs = append(pairs, fastPair{k, v})
		if i = fastWS(data, next); i < len(data) && data[i] == '}' {
			return pairs, i + 1, true
		}
		if i >= len(data) || data[i] != ',' {
			return nil, i, false
		}
		i = fastWS(data, i+1)
	}
}

// fastHeaderMap decodes the header strings into one arena that backs all
// keys and values (one allocation instead of one per string). Assigning in
// document order keeps the last of duplicate keys, as Python's dict does.
func fastHeaderMap(data []byte, pairs []fastPair) (map[string]string, bool) {
	h := make(map[string]string, len(pairs))
	if len(pairs) == 0 {
		return h, true
	}
	size := 0
	for _, p := range pairs {
		size += p.k.end - p.k.start + p.v.end - p.v.start
	}
	// Unescaping never lengthens a string, so the arena is never
	// reallocated and the strings made from it stay valid.
	arena := make([]byte, 0, size)
	str := func(sp fastSpan) (string, bool) {
		start := len(arena)
		var ok bool
		if arena, ok = fastUnescape(arena, data[sp.start:sp.end], sp.esc); !ok || len(arena) == start {
			return "", ok
		}
		return unsafe.String(&arena[start], len(arena)-start), true
	}
	for _, p := range pairs {
		k, ok := str(p.k)
		if !ok {
			return nil, false
		}
		v, ok := str(p.v)
		if !ok {
			return nil, false
		}
		h[k] = v
	}
	return h, true
}

// fastUnescape appends the decoded JSON string raw to b; it refuses
// invalid escapes and lone surrogates (which the general path reports).
func fastUnescape(b, raw []byte, esc bool) ([]byte, bool) {
	if !esc {
		return append(b, raw...), true
	}
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return append(b, raw[i:]...), true
		}
		b = append(b, raw[i:i+j]...)
		i += j
		if i+1 >= len(raw) {
			return nil, false
		}
		if e := raw[i+1]; e != 'u' {
			if pyEscapes[e] == 0 {
				return nil, false
			}
			b = append(b, pyEscapes[e])
			i += 2
			continue
		}
		r, ok := fastHex4(raw, i+2)
		if !ok {
			return nil, false
		}
		i += 6
		if utf16IsLow(r) {
			return nil, false
		}
		if utf16IsHigh(r) {
			if i+1 >= len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
				return nil, false
			}
			r2, ok := fastHex4(raw, i+2)
			if !ok || !utf16IsLow(r2) {
				return nil, false
			}
			r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
			i += 6
		}
		b = utf8.AppendRune(b, r)
	}
	return b, true
}

// fastHex4 decodes the four hex digits at raw[i:].
func fastHex4(raw []byte, i int) (rune, bool) {
	if i+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// knownEncodings are the "encoding" values writers produce, already boxed
// as JSON values, so that decoding them allocates nothing per message.
var knownEncodings = func() []any {
	e := []any{"base64", "utf8"}
	for _, c := range compressors {
		e = append(e, c.name, c.base64, c.utf8, c.utf8Base64)
	}
	return e
}()

// internEncoding returns raw as a string and as a JSON value.
func internEncoding(raw []byte) (string, any) {
	for _, e := range knownEncodings {
		if s := e.(string); string(raw) == s {
			return s, e
		}
	}
	s := string(raw)
	return s, s
}
