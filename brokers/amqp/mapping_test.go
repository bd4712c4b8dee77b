package amqp

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/queue"
)

// wire encodes and decodes am, as a broker passing it through would.
func wire(t *testing.T, am *goamqp.Message) *goamqp.Message {
	t.Helper()
	b, err := am.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var out goamqp.Message
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestMappingRoundTrip(t *testing.T) {
	all := map[string]string{
		"message-id": "m1", "user-id": "guest", "to": "/queue/a", "subject": "s", "reply-to": "/queue/r",
		"correlation-id": "c1", "content-type": "text/plain", "content-encoding": "gzip",
		"absolute-expiry-time": "1700000000123", "creation-time": "1600000000000", "group-id": "g",
		"group-sequence": "7", "reply-to-group-id": "rg",
		"durable": "true", "priority": "9", "ttl": "60000", "first-acquirer": "true", "delivery-count": "3",
		"app": "value", "destination": "/queue/x", "x-custom": "",
	}
	for _, m := range []*queue.Message{
		queue.NewText("text ✓", all),
		queue.NewBinary([]byte{0, 0xff, 'a'}, all),
		queue.NewText("", nil),
		queue.NewBinary(nil, nil),
		queue.NewBinary([]byte("x"), map[string]string{"priority": "4", "durable": "false"}),
	} {
		am, err := ToAMQP(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromAMQP(wire(t, am))
		if err != nil {
			t.Fatal(err)
		}
		want := m.Clone()
		if want.Header["priority"] == "4" { // the default is not repeated
			delete(want.Header, "priority")
			delete(want.Header, "durable")
		}
		if got.Text != want.Text || string(got.Body) != string(want.Body) || !maps.Equal(got.Header, nonNil(want.Header)) {
			t.Errorf("round trip of %v\n got %v", want, got)
		}
	}
}

func nonNil(h map[string]string) map[string]string {
	if h == nil {
		return map[string]string{}
	}
	return h
}

func TestToAMQPSections(t *testing.T) {
	am, err := ToAMQP(queue.NewText("hi", map[string]string{"persistent": "true", "subject": "s", "k": "v", "ttl": "1500"}))
	if err != nil {
		t.Fatal(err)
	}
	if am.Value != "hi" || am.Data != nil {
		t.Errorf("text body: value %v data %v", am.Value, am.Data)
	}
	if am.Header == nil || !am.Header.Durable || am.Header.TTL != 1500*time.Millisecond || am.Header.Priority != 4 {
		t.Errorf("header section %+v", am.Header)
	}
	if am.Properties == nil || *am.Properties.Subject != "s" {
		t.Errorf("properties %+v", am.Properties)
	}
	if len(am.ApplicationProperties) != 1 || am.ApplicationProperties["k"] != "v" {
		t.Errorf("application-properties %v", am.ApplicationProperties)
	}
	bin, err := ToAMQP(queue.NewBinary([]byte("b"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if bin.Value != nil || len(bin.Data) != 1 || string(bin.Data[0]) != "b" || bin.Header != nil || bin.Properties != nil || bin.ApplicationProperties != nil {
		t.Errorf("binary message %+v", bin)
	}
}

func TestToAMQPErrors(t *testing.T) {
	for _, tc := range []struct {
		m    *queue.Message
		want string
	}{
		{nil, "nil message"},
		{&queue.Message{Text: true, Body: []byte{0xff}}, "UTF-8"},
		{queue.NewText("", map[string]string{"priority": "300"}), `priority="300"`},
		{queue.NewText("", map[string]string{"durable": "yes please"}), "durable"},
		{queue.NewText("", map[string]string{"ttl": "-1"}), "ttl"},
		{queue.NewText("", map[string]string{"creation-time": "today"}), "creation-time"},
		{queue.NewText("", map[string]string{"group-sequence": "x"}), "group-sequence"},
		{queue.NewText("", map[string]string{"delivery-count": "x"}), "delivery-count"},
		{queue.NewText("", map[string]string{"first-acquirer": "x"}), "first-acquirer"},
	} {
		_, err := ToAMQP(tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ToAMQP(%v) = %v, want an error containing %q", tc.m, err, tc.want)
		}
	}
}

func TestFromAMQPBodies(t *testing.T) {
	id := goamqp.UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	now := time.UnixMilli(1700000000000)
	for _, tc := range []struct {
		name    string
		am      *goamqp.Message
		body    string
		text    bool
		header  map[string]string
		wantErr bool
	}{
		{name: "two data sections", am: &goamqp.Message{Data: [][]byte{[]byte("ab"), []byte("cd")}}, body: "abcd"},
		{name: "binary value", am: &goamqp.Message{Value: []byte("v")}, body: "v"},
		{name: "no body", am: &goamqp.Message{ApplicationProperties: map[string]any{"x": "y"}}, body: "", header: map[string]string{"x": "y"}},
		{name: "typed properties", am: &goamqp.Message{Value: "t",
			Properties:            &goamqp.MessageProperties{MessageID: uint64(42), CorrelationID: id, UserID: []byte{0xff, 0x00}},
			ApplicationProperties: map[string]any{"i": int64(-3), "b": true, "f": 1.5, "s": goamqp.Symbol("sym"), "ts": now, "bin": []byte("ok")}},
			body: "t", text: true,
			header: map[string]string{"message-id": "42", "correlation-id": id.String(), "user-id": "ff00",
				"i": "-3", "b": "true", "f": "1.5", "s": "sym", "ts": "1700000000000", "bin": "ok"}},
		{name: "map value", am: &goamqp.Message{Value: map[string]any{"k": "v"}}, wantErr: true},
		{name: "sequence", am: &goamqp.Message{Sequence: [][]any{{"a"}}}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FromAMQP(wire(t, tc.am))
			if tc.wantErr {
				var ue *UnsupportedBodyError
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v, want UnsupportedBodyError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Body) != tc.body || m.Text != tc.text || !maps.Equal(m.Header, nonNil(tc.header)) {
				t.Errorf("got %v (text %v), want body %q text %v header %v", m, m.Text, tc.body, tc.text, tc.header)
			}
		})
	}
}
