package queue

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Message is a header map and a body, the unit every brick moves; its JSON
// form is python-messaging's, so Perl and Python tools read what bricks
// writes.
//
// The model is python-messaging's Message: a text body is a Python str, a
// binary body is bytes. Go keeps both as bytes and says which with Text; a
// text body must hold valid UTF-8.
type Message struct {
	// Header maps names to values (STOMP headers, AMQP properties).
	Header map[string]string
	// Body is the payload; Text says it holds UTF-8 text rather than bytes.
	Body []byte
	// Text marks a text body: it is serialised as a JSON string and mapped
	// to a text frame or an AMQP string value.
	Text bool
}

// NewText returns a message with a text body; header may be nil.
func NewText(body string, header map[string]string) *Message {
	return &Message{Header: header, Body: []byte(body), Text: true}
}

// NewBinary returns a message with a binary body; header may be nil.
func NewBinary(body []byte, header map[string]string) *Message {
	return &Message{Header: header, Body: body}
}

// MessageError is a message that cannot be encoded or decoded. Msg holds
// python-messaging's MessageError text where Python raises one (so Go and
// Python report the same input the same way), and a text of our own for
// inputs that crash python-messaging with another exception.
type MessageError struct {
	Msg string
}

// Error returns the bare text, as Python's str(MessageError) does.
func (e *MessageError) Error() string { return e.Msg }

func messageError(format string, args ...any) error {
	if len(args) == 0 {
		return &MessageError{Msg: format}
	}
	return &MessageError{Msg: fmt.Sprintf(format, args...)}
}

// MD5 is python-messaging's cross-language checksum: the MD5 hex of
// "1" or "0" (text or not), the MD5 hex of the header lines "key:value\n"
// in sorted key order, and the MD5 hex of the body bytes. Perl's
// Messaging::Message computes the same value.
func (m *Message) MD5() string {
	var h strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m.Header)) {
		h.WriteString(k)
		h.WriteByte(':')
		h.WriteString(m.Header[k])
		h.WriteByte('\n')
	}
	t := "0"
	if m.Text {
		t = "1"
	}
	return md5hex([]byte(t + md5hex([]byte(h.String())) + md5hex(m.Body)))
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Size approximates the message size as python-messaging does: body length
// + 1 + Σ(len(key) + len(value) + 2) over the header, where lengths of text
// count characters (code points) and lengths of a binary body count bytes.
func (m *Message) Size() int {
	n := len(m.Body) + 1
	if m.Text {
		n = utf8.RuneCount(m.Body) + 1
	}
	for k, v := range m.Header {
		n += utf8.RuneCountInString(k) + utf8.RuneCountInString(v) + 2
	}
	return n
}

// Clone returns a deep copy: changing the clone's header or body leaves m
// as it was.
func (m *Message) Clone() *Message {
	c := &Message{Text: m.Text, Header: maps.Clone(m.Header)}
	if m.Body != nil {
		c.Body = bytes.Clone(m.Body)
	}
	return c
}

// Equal reports python-messaging's equality: same text flag, same body, and
// every header field of m present in o with the same value. Like Python's
// __eq__ it is asymmetric: fields o has and m lacks are ignored, so check
// both ways when that matters.
func (m *Message) Equal(o *Message) bool {
	if m == nil || o == nil {
		return m == o
	}
	if m.Text != o.Text || !bytes.Equal(m.Body, o.Body) {
		return false
	}
	for k, v := range m.Header {
		if ov, ok := o.Header[k]; !ok || ov != v {
			return false
		}
	}
	return true
}

// String is the JSON form without compression (python-messaging's
// __repr__); a message that cannot be encoded shows the error instead.
func (m *Message) String() string {
	b, err := m.Serialize(SerializeOptions{})
	if err != nil {
		return "<invalid message: " + err.Error() + ">"
	}
	return string(b)
}
