package queue

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMessageMD5(t *testing.T) {
	// The empty message's checksum names the first compliance vector.
	if got := (&Message{}).MD5(); got != "1d9d0faf7130b6c7ff996a8d94f424a0" {
		t.Errorf("empty md5 %s", got)
	}
	bin := NewBinary([]byte("hi"), map[string]string{"b": "2", "a": "1"})
	txt := NewText("hi", map[string]string{"a": "1", "b": "2"})
	if bin.MD5() == txt.MD5() {
		t.Error("text flag does not change the md5")
	}
	other := NewText("hi", map[string]string{"a": "1", "b": "3"})
	if txt.MD5() == other.MD5() {
		t.Error("header value does not change the md5")
	}
}

func TestMessageSize(t *testing.T) {
	for _, c := range []struct {
		m    *Message
		want int
	}{
		{&Message{}, 1},
		{NewText("héllo", nil), 6},           // code points, not bytes
		{NewBinary([]byte("héllo"), nil), 7}, // bytes
		{NewText("", map[string]string{"k": "vé"}), 1 + 1 + 2 + 2},
		{NewText("\U0001F600", nil), 2}, // one code point, not two UTF-16 units
	} {
		if got := c.m.Size(); got != c.want {
			t.Errorf("%v: size %d, want %d", c.m, got, c.want)
		}
	}
}

func TestMessageCloneIsDeep(t *testing.T) {
	m := NewBinary([]byte("body"), map[string]string{"k": "v"})
	c := m.Clone()
	c.Body[0] = 'X'
	c.Header["k"] = "changed"
	if string(m.Body) != "body" || m.Header["k"] != "v" {
		t.Fatalf("clone shares state: %+v", m)
	}
	if !m.Clone().Equal(m) {
		t.Fatal("clone differs")
	}
}

func TestMessageEqual(t *testing.T) {
	a := NewText("x", map[string]string{"k": "v"})
	if !a.Equal(NewText("x", map[string]string{"k": "v", "extra": "1"})) {
		t.Error("extra header in other should be ignored (python's __eq__)")
	}
	if a.Equal(NewText("x", map[string]string{})) {
		t.Error("missing header in other should differ")
	}
	if a.Equal(NewBinary([]byte("x"), map[string]string{"k": "v"})) {
		t.Error("text flag ignored")
	}
	if a.Equal(NewText("y", map[string]string{"k": "v"})) {
		t.Error("body ignored")
	}
	if a.Equal(nil) || !(*Message)(nil).Equal(nil) {
		t.Error("nil handling")
	}
}

func TestSerializeBase64Rule(t *testing.T) {
	for _, c := range []struct {
		body []byte
		want string
	}{
		{[]byte("plain"), `{"body": "plain"}`},
		{[]byte("\u2713"), `{"body": "\u2713"}`},                            // U+2713 > U+00FF: raw
		{[]byte("caf\u00e9"), `{"body": "Y2Fmw6k=", "encoding": "base64"}`}, // U+00E9: base64
		{[]byte("a\tb"), `{"body": "YQli", "encoding": "base64"}`},
		{[]byte("a\x7f"), `{"body": "YX8=", "encoding": "base64"}`},
		{[]byte{0xff}, `{"body": "/w==", "encoding": "base64"}`},
		{[]byte(`<&>"\`), `{"body": "<&>\"\\"}`}, // no HTML escaping
	} {
		got, err := NewBinary(c.body, nil).Serialize(SerializeOptions{})
		if err != nil || string(got) != c.want {
			t.Errorf("%q: got %s (%v), want %s", c.body, got, err, c.want)
		}
	}
}

func TestSerializeEmptyTextLosesFlag(t *testing.T) {
	got, err := NewText("", map[string]string{"a": "b"}).Serialize(SerializeOptions{})
	if err != nil || string(got) != `{"header": {"a": "b"}}` {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestSerializeCompressionRules(t *testing.T) {
	long := strings.Repeat("compressible text ", 40)
	for _, comp := range []string{"zlib", "lz4", "snappy"} {
		t.Run(comp, func(t *testing.T) {
			opts := SerializeOptions{Compression: comp}
			data := roundTrip(t, NewText(long, nil), opts)
			if enc := encodingOf(t, data); enc != "utf8+"+comp+"+base64" {
				t.Errorf("text encoding %q", enc)
			}
			data = roundTrip(t, NewBinary([]byte(long), nil), opts)
			if enc := encodingOf(t, data); enc != comp+"+base64" {
				t.Errorf("binary encoding %q", enc)
			}
			// Below 255 bytes nothing is compressed: text stays plain.
			short := strings.Repeat("a", 254)
			data = roundTrip(t, NewText(short, nil), opts)
			if want := `{"body": "` + short + `", "text": true}`; string(data) != want {
				t.Errorf("short text: %s", data)
			}
			// Incompressible data is not kept compressed (ratio >= 0.9).
			noise := make([]byte, 1000)
			x := uint32(1)
			for i := range noise {
				x = x*1664525 + 1013904223
				noise[i] = byte(x >> 24)
			}
			data = roundTrip(t, NewBinary(noise, nil), opts)
			if enc := encodingOf(t, data); enc != "base64" {
				t.Errorf("incompressible encoding %q", enc)
			}
		})
	}
}

func TestSerializeErrors(t *testing.T) {
	var me *MessageError
	_, err := NewText("x", nil).Serialize(SerializeOptions{Compression: "bzip2"})
	if !errors.As(err, &me) || me.Error() != "unsupported compression type: bzip2" {
		t.Errorf("bad compression: %v", err)
	}
	if _, err := (&Message{Body: []byte{0xff}, Text: true}).Serialize(SerializeOptions{}); !errors.As(err, &me) {
		t.Errorf("invalid UTF-8 text: %v", err)
	}
	if _, err := NewText("x", map[string]string{"k": "\xff"}).Serialize(SerializeOptions{}); !errors.As(err, &me) {
		t.Errorf("invalid UTF-8 header: %v", err)
	}
	if s := (&Message{Body: []byte{0xff}, Text: true}).String(); !strings.HasPrefix(s, "<invalid message: ") {
		t.Errorf("String of a bad message: %s", s)
	}
}

func TestDeserializeTokenOrderIsFixed(t *testing.T) {
	// base64 is undone before zlib whatever the order of the tokens.
	for _, enc := range []string{"zlib+base64", "base64+zlib"} {
		m, err := Deserialize([]byte(`{"body":"eJzLSM3JyQcABiwCFQ==","encoding":"` + enc + `"}`))
		if err != nil || string(m.Body) != "hello" || m.Text {
			t.Errorf("%s: %+v %v", enc, m, err)
		}
	}
}

func TestDeserializeBadCompressedBody(t *testing.T) {
	for _, enc := range []string{"zlib", "lz4", "snappy"} {
		_, err := Deserialize([]byte(`{"body":"bm90IGNvbXByZXNzZWQ=","encoding":"` + enc + `+base64"}`))
		var me *MessageError
		if !errors.As(err, &me) || !strings.Contains(me.Error(), enc) {
			t.Errorf("%s: %v", enc, err)
		}
	}
	// A huge lz4 size prefix is refused, not allocated.
	_, err := Deserialize([]byte(`{"body":"/////wAA","encoding":"lz4+base64"}`))
	if err == nil || !strings.Contains(err.Error(), "size prefix") {
		t.Errorf("lz4 size prefix: %v", err)
	}
}

func TestPyB64Decode(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"aGVsbG8=", "hello", ""},
		{"aGVs\nbG8=", "hello", ""},          // non-alphabet skipped
		{"aGVsbG8=trailing", "hello", ""},    // stops at the completing pad
		{"aGVsbG8", "", "Incorrect padding"}, // missing pad
		{"a", "", "Invalid base64-encoded string: number of data characters (1) cannot be 1 more than a multiple of 4"},
		{"", "", ""},
	} {
		got, err := pyB64Decode([]byte(c.in))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("%q: %q %v", c.in, got, err)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	for f, want := range map[float64]string{
		1e16: "1e+16", 1e15: "1000000000000000.0", 0.0001: "0.0001", 0.00001: "1e-05",
		1.5e300: "1.5e+300", 123.456: "123.456", 5e-324: "5e-324", 2.5: "2.5", 100: "100.0",
	} {
		if got := pyFloatRepr(f); got != want {
			t.Errorf("%v: %s, want %s", f, got, want)
		}
	}
}

func TestDeserializeLongInteger(t *testing.T) {
	// CPython refuses integers of more than 4300 digits (a ValueError, so a
	// MessageError); 4300 digits are fine.
	_, err := Deserialize([]byte(`{"x": ` + strings.Repeat("7", 4301) + `}`))
	want := "not a valid json string provided: Exceeds the limit (4300 digits) for integer string conversion: " +
		"value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit"
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
	if _, err := Deserialize([]byte(`{"x": -` + strings.Repeat("7", 4300) + `}`)); err != nil {
		t.Errorf("4300 digits: %v", err)
	}
}
