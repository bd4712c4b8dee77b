package queue

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// SerializeOptions are python-messaging's serialize options.
type SerializeOptions struct {
	// Compression compresses bodies of at least 255 bytes when that saves
	// more than 10%: "zlib", "lz4", "snappy", or "" for none.
	Compression string
}

// compressMinSize and compressMaxRatio are python-messaging's rule for
// keeping a compressed body: the body has at least 255 bytes and the
// compressed form is less than 90% of it.
const (
	compressMinSize  = 255
	compressMaxRatio = 0.9
)

// Serialize returns the message in python-messaging's JSON form, byte for
// byte what Python's Message.serialize(option) writes: keys header, body,
// text, encoding in that order, json.dumps separators and ASCII escaping.
// Header keys are written sorted (Python keeps insertion order, which a Go
// map does not have). Compressed bodies decode to the same bytes as
// Python's but may be compressed differently.
func (m *Message) Serialize(opts SerializeOptions) ([]byte, error) {
	return m.appendSerialized(make([]byte, 0, m.serializedSizeHint()), opts)
}

// serializedSizeHint is the serialised size of a message whose strings
// need no escaping and whose body is base64-encoded, plus the punctuation:
// enough for the common messages to be written without growing.
func (m *Message) serializedSizeHint() int {
	n := 64 + (len(m.Body)+2)/3*4
	for k, v := range m.Header {
		n += len(k) + len(v) + 8
	}
	return n
}

// maxSortedOnStack is how many header keys are sorted in a stack array.
const maxSortedOnStack = 16

// appendSerialized appends the Serialize form of m to b, so that AddMessage
// can write from a recycled buffer.
func (m *Message) appendSerialized(b []byte, opts SerializeOptions) ([]byte, error) {
	var comp *compressor
	if opts.Compression != "" {
		var ok bool
		if comp, ok = lookupCompressor(opts.Compression); !ok {
			return nil, messageError("unsupported compression type: %s", opts.Compression)
		}
	}
	if m.Text && !utf8.Valid(m.Body) {
		return nil, messageError("text body is not valid UTF-8")
	}
	sep := "{"
	field := func(b []byte, name string) []byte {
		b = append(b, sep...)
		sep = ", "
		b = append(b, '"')
		b = append(b, name...)
		return append(b, `": `...)
	}
	if len(m.Header) > 0 {
		var stack [maxSortedOnStack]string
		keys := stack[:0]
		for k := range m.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = field(b, "header")
		hsep := "{"
		for _, k := range keys {
			v := m.Header[k]
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, messageError("header %q is not valid UTF-8", k)
			}
			b = append(b, hsep...)
			hsep = ", "
			b = appendPyJSONString(b, k)
			b = append(b, ": "...)
			b = appendPyJSONString(b, v)
		}
		b = append(b, '}')
	}
	if len(m.Body) > 0 {
		body, encoding, err := m.encodeBody(comp)
		if err != nil {
			return nil, err
		}
		b = field(b, "body")
		b = appendBody(b, body, encoding)
		if m.Text {
			b = field(b, "text")
			b = append(b, "true"...)
		}
		if encoding != "" {
			b = field(b, "encoding")
			b = appendPyJSONString(b, encoding)
		}
	}
	if sep == "{" {
		b = append(b, sep...)
	}
	return append(b, '}'), nil
}

// appendBody writes the body JSON string: base64 straight into b (its
// alphabet needs no escaping), anything else escaped.
func appendBody(b, body []byte, encoding string) []byte {
	if !strings.HasSuffix(encoding, "base64") {
		return appendPyJSONString(b, body)
	}
	b = append(b, '"')
	n := base64.StdEncoding.EncodedLen(len(body))
	b = slices.Grow(b, n+1)
	base64.StdEncoding.Encode(b[len(b):len(b)+n], body)
	return append(b[:len(b)+n], '"')
}

// encodeBody applies python-messaging's jsonify body rules and returns the
// body bytes to write (base64-encoded by appendBody when the encoding ends
// with "base64") and the "encoding" tokens.
func (m *Message) encodeBody(comp *compressor) ([]byte, string, error) {
	if m.Text {
		if comp == nil {
			return m.Body, "", nil
		}
		// A text body is compressed as its UTF-8 bytes ("utf8"); when
		// compression does not pay, Python reverts to the plain text.
		z, ok, err := maybeCompress(comp, m.Body)
		if err != nil || !ok {
			return m.Body, "", err
		}
		if needsBase64(z) {
			return z, comp.utf8Base64, nil
		}
		return z, comp.utf8, nil
	}
	data := m.Body
	if comp != nil {
		z, ok, err := maybeCompress(comp, data)
		if err != nil {
			return nil, "", err
		}
		if ok {
			if needsBase64(z) {
				return z, comp.base64, nil
			}
			return z, comp.name, nil
		}
	}
	if needsBase64(data) {
		return data, "base64", nil
	}
	return data, "", nil
}

// maybeCompress compresses b and reports whether the result is worth
// keeping.
func maybeCompress(comp *compressor, b []byte) ([]byte, bool, error) {
	if len(b) < compressMinSize {
		return nil, false, nil
	}
	z, err := comp.compress(b)
	if err != nil {
		return nil, false, &MessageError{Msg: "compression failed: " + err.Error()}
	}
	return z, float64(len(z))/float64(len(b)) < compressMaxRatio, nil
}

// needsBase64 is python-messaging's _base64_it rule: bytes that decode as
// UTF-8 to a string without characters U+0000–U+001F and U+007F–U+00FF go
// into the JSON as that string; anything else is base64-encoded (token
// "base64").
func needsBase64(b []byte) bool { return !utf8.Valid(b) || hasBase64Char(b) }

// hasBase64Char reports a character in U+0000–U+001F or U+007F–U+00FF in
// valid UTF-8: a control byte, DEL, or a two-byte sequence led by C2 or C3.
func hasBase64Char(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xC3 {
			return true
		}
	}
	return false
}

// maxReprInput bounds how much of an invalid input the "not a valid binary
// string" error quotes; Python quotes it all, which makes unreadable logs
// for big files.
const maxReprInput = 1024

// Deserialize decodes python-messaging's JSON form (any valid JSON
// python-messaging accepts: compact or pretty, "text": false, empty
// "encoding", tokens in any order). Errors are *MessageError with
// python-messaging's text where Python raises a MessageError.
func Deserialize(data []byte) (*Message, error) {
	if !utf8.Valid(data) {
		quoted := data
		if len(quoted) > maxReprInput {
			quoted = quoted[:maxReprInput]
		}
		repr := pyBytesRepr(quoted)
		if len(quoted) < len(data) {
			repr += "..."
		}
		return nil, messageError("not a valid binary string %s: %s", repr, pyUTF8Error(data))
	}
	if m, ok := deserializeFast(data); ok {
		return m, nil
	}
	v, err := pyJSONLoads(string(data))
	if err != nil {
		return nil, messageError("not a valid json string provided: %s", err)
	}
	obj, ok := v.(*pyDict)
	if !ok {
		return nil, messageError("dict expected: %s", pyStr(v))
	}
	return dejsonify(obj)
}

// pyBody is a body while decoding: Python's str or bytes.
type pyBody struct {
	data  []byte
	isStr bool
}

// dejsonify builds the message from a JSON object, as python-messaging's
// dejsonify.
func dejsonify(obj *pyDict) (*Message, error) {
	textFlag, _ := obj.get("text")
	isText := pyTruth(textFlag)
	header, err := decodeHeader(obj)
	if err != nil {
		return nil, err
	}
	body := pyBody{data: []byte{}}
	if v, ok := obj.get("body"); ok {
		switch s := v.(type) {
		case string:
			body = pyBody{data: []byte(s), isStr: true}
		case nil:
			// Python passes None on to Message(), which makes it an empty
			// binary body, but only if nothing calls a method on it first.
			if enc, _ := obj.get("encoding"); isText && !pyTruth(enc) {
				return &Message{Header: header, Body: []byte{}}, nil
			}
			return nil, messageError("body: string expected: None")
		default:
			return nil, messageError("body: string expected: %s", pyStr(v))
		}
	}
	enc, _ := obj.get("encoding")
	return finishMessage(header, body, isText, enc)
}

// finishMessage undoes the body's "encoding" (enc: its parsed JSON value,
// nil when absent) and builds the message.
func finishMessage(header map[string]string, body pyBody, isText bool, enc any) (*Message, error) {
	if err := decodeBody(enc, &body); err != nil {
		return nil, err
	}
	// Final normalisation: bytes.decode() for a text message, str.encode()
	// for a binary one; so the text flag alone decides the body's kind.
	if !utf8.Valid(body.data) {
		if body.isStr {
			// Python keeps a str with lone surrogates (or fails to encode
			// it); a Go body must be UTF-8.
			return nil, messageError("body holds a lone surrogate: %s", pyRepr(string(body.data)))
		}
		if isText {
			return nil, messageError("text body is not valid UTF-8: %s", pyUTF8Error(body.data))
		}
	}
	return &Message{Header: header, Body: body.data, Text: isText}, nil
}

// decodeHeader reads "header": absent or null is empty, otherwise an
// object of strings (Python does not check, but its md5 and the DQN and
// Perl code need strings).
func decodeHeader(obj *pyDict) (map[string]string, error) {
	header := map[string]string{}
	v, ok := obj.get("header")
	if !ok || v == nil {
		return header, nil
	}
	d, ok := v.(*pyDict)
	if !ok {
		return nil, messageError("header: dict expected: %s", pyStr(v))
	}
	for _, k := range d.keys {
		s, ok := d.vals[k].(string)
		if !ok {
			return nil, messageError("header %s: string expected: %s", pyRepr(k), pyStr(d.vals[k]))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(s) {
			return nil, messageError("header %s: %s: lone surrogate", pyRepr(k), pyRepr(s))
		}
		header[k] = s
	}
	return header, nil
}

// decodeBody undoes "encoding": tokens are checked first, then the body is
// base64-decoded, decompressed (lz4, snappy, zlib) and UTF-8-decoded, in
// that fixed order whatever the token order.
func decodeBody(v any, body *pyBody) error {
	if !pyTruth(v) {
		return nil
	}
	enc, ok := v.(string)
	if !ok {
		return messageError("encoding: string expected: %s", pyStr(v))
	}
	var stack [4]string // writers use at most three tokens
	tokens := stack[:0]
	for t := range strings.SplitSeq(enc, "+") {
		tokens = append(tokens, t)
	}
	if body.isStr && !utf8.Valid(body.data) {
		return messageError("body holds a lone surrogate and cannot be encoded")
	}
	body.isStr = false // body.encode()
	for _, t := range tokens {
		if _, ok := lookupCompressor(t); !ok && t != "base64" && t != "utf8" {
			return messageError("decoding not supported: %s", t)
		}
	}
	if slices.Contains(tokens, "base64") {
		b, err := pyB64Decode(body.data)
		if err != nil {
			return messageError("body: invalid base64: %s", err.Error())
		}
		body.data = b
	}
	for _, c := range compressors {
		if slices.Contains(tokens, c.name) {
			b, err := c.decompress(body.data)
			if err != nil {
				return messageError("body: %s", err.Error())
			}
			body.data = b
		}
	}
	if slices.Contains(tokens, "utf8") {
		if !utf8.Valid(body.data) {
			return messageError("body: utf8: %s", pyUTF8Error(body.data))
		}
		body.isStr = true
	}
	return nil
}

// pyTruth is Python's bool(v) for a parsed JSON value; a missing key is
// None, so false.
func pyTruth(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case pyInt:
		return v != "0"
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case *pyDict:
		return len(v.keys) > 0
	}
	return true
}

// pyB64Decode is base64.b64decode without validation (CPython's
// binascii.a2b_base64): characters outside the alphabet are skipped, and
// decoding stops at the padding that completes a quantum.
func pyB64Decode(src []byte) ([]byte, error) {
	// Canonical base64 (what every encoder writes) decodes the same with
	// the standard decoder, which is several times faster; it refuses all
	// that the loop below has to be lenient about.
	out := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	if n, err := base64.StdEncoding.Decode(out, src); err == nil {
		return out[:n], nil
	}
	out = out[:0]
	var quad, pads int
	var left byte
	for _, c := range src {
		if c == '=' {
			if pads++; quad >= 2 && quad+pads >= 4 {
				return out, nil
			}
			continue
		}
		v := b64Table[c]
		if v == 0xFF {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			out = append(out, left<<2|v>>4)
			left = v & 0x0F
		case 2:
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			out = append(out, left<<6|v)
		}
		quad = (quad + 1) % 4
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, fmt.Errorf("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", len(out)/3*4+1)
	default:
		return nil, errors.New("Incorrect padding")
	}
}

var b64Table = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
