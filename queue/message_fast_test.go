package queue

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// slowDeserialize is Deserialize without its fast path: the general JSON
// reader and dejsonify, the reference the fast path must agree with.
func slowDeserialize(data []byte) (*Message, error) {
	v, err := pyJSONLoads(string(data))
	if err != nil {
		return nil, err
	}
	obj, ok := v.(*pyDict)
	if !ok {
		return nil, messageError("dict expected")
	}
	return dejsonify(obj)
}

// checkFast fails when the fast path accepts data and builds another
// message than the general path, or accepts what the general path refuses.
func checkFast(t *testing.T, data []byte) bool {
	t.Helper()
	if !utf8.Valid(data) {
		return false // Deserialize refuses it before either path
	}
	fast, ok := deserializeFast(data)
	if !ok {
		return false
	}
	slow, err := slowDeserialize(data)
	if err != nil {
		t.Fatalf("fast path accepts %q, general path refuses it: %v", data, err)
	}
	if !sameMessage(fast, slow) || fast.Text != slow.Text || len(fast.Header) != len(slow.Header) {
		t.Fatalf("%q: fast path gives %+v, general path %+v", data, fast, slow)
	}
	return true
}

// fastSeeds are inputs on both sides of the fast path's limits.
var fastSeeds = []string{
	`{}`, ` { } `, `{"header": {}}`, `{"body": ""}`, `{"text": true}`,
	`{"header": {"a": "1", "b": "2"}, "body": "hello", "text": true}`,
	`{"header":{"a":"1","a":"2"},"body":"x"}`,
	`{"body": "h\u00e9llo \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t", "text": true}`,
	`{"header": {"k\u00e9": "v\u0000"}}`,
	`{"body": "AAEC", "encoding": "base64"}`,
	`{"body": "AAEC\n", "encoding": "base64"}`,
	`{"body": "AAE", "encoding": "base64"}`,
	`{"body": "AA=E", "encoding": "base64"}`,
	`{"body": "eJzLSM3JyVcozy/KSQEAGgQEXQ==", "encoding": "zlib+base64"}`,
	`{"body": "x", "encoding": ""}`,
	`{"body": "x", "encoding": "rot13"}`,
	`{"body": "\ud800", "text": true}`,
	`{"body": "\udc00\ud800"}`,
	`{"body": "\ud800\u0041"}`,
	`{"header": {"k": "\ud800"}}`,
	`{"body": "x", "body": "y"}`,
	`{"body": "x", "text": 1}`,
	`{"body": null, "text": true}`,
	`{"header": null}`,
	`{"other": 1}`,
	`{"body": "x"} x`,
	`{"body": "x",}`,
	`{"body": "\x"}`,
	`{"body": "\u12"}`,
	"{\"body\": \"a\tb\"}",
	`{"header": {"a": 1}}`,
	`{"text": truex}`,
	"\ufeff{}",
	`[]`,
}

func TestDeserializeFastAgrees(t *testing.T) {
	accepted := 0
	for _, s := range fastSeeds {
		if checkFast(t, []byte(s)) {
			accepted++
		}
	}
	// What every writer produces must take the fast path.
	for _, m := range benchMessages() {
		for _, comp := range []string{"", "zlib", "lz4", "snappy"} {
			data, err := m.Serialize(SerializeOptions{Compression: comp})
			if err != nil {
				t.Fatal(err)
			}
			if !checkFast(t, data) {
				t.Errorf("own output with %q compression misses the fast path: %.80s", comp, data)
			}
		}
	}
	if accepted < 10 {
		t.Errorf("fast path accepted only %d seeds", accepted)
	}
}

// FuzzDeserializeFast checks that the fast path of Deserialize, whenever
// it answers, agrees with the general JSON reader.
func FuzzDeserializeFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	var mf messagesFile
	loadJSON(f, "messages.json", &mf)
	for _, c := range mf.Cases {
		f.Add([]byte(c.Serialized))
	}
	f.Add([]byte(`{"header": {"` + strings.Repeat("k", 40) + `": "v"}, "body": "b"}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkFast(t, data) })
}
