package stomp

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

// wire encodes a frame as the writer puts it on the network.
func wire(t *testing.T, f *frame.Frame) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := frame.NewWriter(&b).Write(f); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMessageToFrameOnTheWire(t *testing.T) {
	m := &queue.Message{
		Header: map[string]string{"b": "x:y\nz\\", "a": "1", "message-id": "old", "receipt": "r", "destination": "/queue/old",
			"content-length": "999", "transaction": "tx"},
		Body: []byte("hi\x00there"),
		Text: true,
	}
	f, err := MessageToFrame("/queue/new", m, true)
	if err != nil {
		t.Fatal(err)
	}
	want := "SEND\ndestination:/queue/new\na:1\nb:x\\cy\\nz\\\\\ncontent-type:text/plain; charset=UTF-8\npersistent:true\ncontent-length:8\n\nhi\x00there\x00"
	if got := string(wire(t, f)); got != want {
		t.Fatalf("wire:\n%q\nwant\n%q", got, want)
	}
}

func TestMessageToFrameDestination(t *testing.T) {
	m := &queue.Message{Header: map[string]string{"destination": "/queue/own", "persistent": "false"}}
	f, err := MessageToFrame("", m, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Get("destination") != "/queue/own" || f.Header.Get("persistent") != "false" {
		t.Fatalf("headers %v", f.Header)
	}
	if _, err := MessageToFrame("", &queue.Message{}, false); err == nil {
		t.Fatal("a message without destination must be refused")
	}
	if _, err := MessageToFrame("/q", &queue.Message{Header: map[string]string{"": "v"}}, false); err == nil {
		t.Fatal("an empty header name must be refused")
	}
}

func TestFrameToMessageFromTheWire(t *testing.T) {
	raw := "MESSAGE\nsubscription:s1\nmessage-id:m1\nack:a1\ndestination:/queue/x\nk:v\\c1\\n2\nk:second\n" +
		"content-type:text/plain;charset=utf-8\ncontent-length:5\n\nh\x00llo\x00"
	f, err := frame.NewReader(bytes.NewBufferString(raw)).Read()
	if err != nil {
		t.Fatal(err)
	}
	m := FrameToMessage(f)
	wantHeader := map[string]string{"destination": "/queue/x", "k": "v:1\n2", "content-type": "text/plain;charset=utf-8"}
	if !reflect.DeepEqual(m.Header, wantHeader) {
		t.Fatalf("header %v, want %v", m.Header, wantHeader)
	}
	if string(m.Body) != "h\x00llo" || !m.Text {
		t.Fatalf("body %q text %v", m.Body, m.Text)
	}
}

func TestFrameToMessageTextFlag(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		body []byte
		text bool
	}{
		{"", []byte("abc"), false},
		{"text/plain", []byte("abc"), true},
		{"application/json; charset=utf-8", []byte(`{}`), true},
		{"application/octet-stream", []byte("abc"), false},
		{"text/plain", []byte{0xff, 0xfe}, false}, // not UTF-8: kept binary
	} {
		f := frame.New(frame.MESSAGE)
		if tc.ct != "" {
			f.Header.Add("content-type", tc.ct)
		}
		f.Body = tc.body
		if m := FrameToMessage(f); m.Text != tc.text {
			t.Errorf("content-type %q body %q: text %v, want %v", tc.ct, tc.body, m.Text, tc.text)
		}
	}
}

func TestSubscribeFrame(t *testing.T) {
	o, err := SubscribeOptions{Destination: "/queue/x", Selector: "a = 1",
		Headers: map[string]string{"prefetch-count": "7", "ack": "auto", "x-extra": "y"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	f := o.frame()
	for k, v := range map[string]string{"id": "bricks-sub-1", "destination": "/queue/x", "ack": "client-individual",
		"activemq.prefetchSize": "100", "prefetch-count": "7", "selector": "a = 1", "x-extra": "y"} {
		if got := f.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	auto, _ := SubscribeOptions{Destination: "/queue/x", Ack: AckAuto}.withDefaults()
	if _, ok := auto.frame().Header.Contains("prefetch-count"); ok {
		t.Error("auto ack subscription got a default prefetch")
	}
	if _, err := (SubscribeOptions{Destination: "/q", Ack: "sometimes"}).withDefaults(); err == nil {
		t.Error("unknown ack mode accepted")
	}
}
