package queue

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// This file renders values as Python 3 prints them, for the error texts
// python-messaging builds with "%s" (MessageError "dict expected: %s" and
// "not a valid binary string %s: %s").

// pyStr is Python's str(v) for a value from pyJSONLoads.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr is Python's repr(v) for a value from pyJSONLoads.
func pyRepr(v any) string {
	var b strings.Builder
	writePyRepr(&b, v)
	return b.String()
}

// writePyRepr writes Python's repr(v) for a value from pyJSONLoads.
func writePyRepr(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case pyInt:
		b.WriteString(string(v))
	case float64:
		b.WriteString(pyFloatRepr(v))
	case string:
		writePyStrRepr(b, v)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, e)
		}
		b.WriteByte(']')
	case *pyDict:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyStrRepr(b, k)
			b.WriteString(": ")
			writePyRepr(b, v.vals[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, v)
	}
}

// pyFloatRepr is repr(float): the shortest round-tripping digits, in
// positional form when the decimal exponent is in [-4, 16), always with a
// dot or an exponent.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // digits d1d2... mean 0.d1d2... × 10^decpt
	if decpt > 16 || decpt < -3 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%se%s%02d", sign, m, es, exp)
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}

// pyQuoteFor picks Python's repr quote: single, unless the text holds a
// single quote and no double one.
func pyQuoteFor(s string) byte {
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		return '"'
	}
	return '\''
}

// writePyStrRepr writes repr(str); lone surrogates (WTF-8) are escaped.
func writePyStrRepr(b *strings.Builder, s string) {
	q := pyQuoteFor(s)
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, n := decodeWTF8(s[i:])
		i += n
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x7F || (unicode.IsPrint(r) && !(0xD800 <= r && r < 0xE000)):
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(b, `\x%02x`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
}

// pyBytesRepr is repr(bytes): b'...' with \xhh for non-printable bytes.
func pyBytesRepr(p []byte) string {
	var b strings.Builder
	q := pyQuoteFor(string(p))
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range p {
		switch {
		case c == q || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c >= 0x7F:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyUTF8Error describes the first UTF-8 error in p as CPython's strict
// decoder does (UnicodeDecodeError's text), or returns "" if p is valid.
func pyUTF8Error(p []byte) string {
	n := len(p)
	cont := func(i int) bool { return i < n && p[i]&0xC0 == 0x80 }
	for i := 0; i < n; {
		c := p[i]
		var size int
		var lo, hi byte = 0x80, 0xBF // allowed range of the second byte
		switch {
		case c < 0x80:
			i++
			continue
		case c < 0xC2 || c > 0xF4:
			return pyDecodeErr(p, i, i+1, "invalid start byte")
		case c < 0xE0:
			size = 2
		case c < 0xF0:
			size = 3
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F
			}
		default:
			size = 4
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F
			}
		}
		if i+1 >= n {
			return pyDecodeErr(p, i, n, "unexpected end of data")
		}
		if c2 := p[i+1]; c2 < lo || c2 > hi {
			return pyDecodeErr(p, i, i+1, "invalid continuation byte")
		}
		for k := 2; k < size; k++ {
			if i+k >= n {
				return pyDecodeErr(p, i, n, "unexpected end of data")
			}
			if !cont(i + k) {
				return pyDecodeErr(p, i, i+k, "invalid continuation byte")
			}
		}
		i += size
	}
	return ""
}

func pyDecodeErr(p []byte, start, end int, reason string) string {
	if end-start == 1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", p[start], start, reason)
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", start, end-1, reason)
}
