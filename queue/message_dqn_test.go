package queue

import (
	"errors"
	"reflect"
	"testing"
)

func TestMessageToDQN(t *testing.T) {
	for _, c := range []struct {
		m    *Message
		want map[string]any
	}{
		{&Message{}, map[string]any{"header": map[string]string{}, "binary": []byte{}}},
		{NewText("", nil), map[string]any{"header": map[string]string{}, "text": ""}},
		{NewText("hé", map[string]string{"a": "b"}), map[string]any{"header": map[string]string{"a": "b"}, "text": "hé"}},
		{NewBinary([]byte{0xff}, nil), map[string]any{"header": map[string]string{}, "binary": []byte{0xff}}},
	} {
		got := MessageToDQN(c.m)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%+v: got %#v, want %#v", c.m, got, c.want)
		}
		back, err := MessageFromDQN(got)
		if err != nil || !sameMessage(back, c.m) {
			t.Errorf("%+v: back %+v %v", c.m, back, err)
		}
	}
}

func TestMessageFromDQN(t *testing.T) {
	hdr := map[string]string{"k": "v"}
	for _, c := range []struct {
		e    map[string]any
		want *Message
	}{
		// text wins over binary; nothing means an empty binary body
		{map[string]any{"header": hdr, "text": "t", "binary": []byte("b")}, NewText("t", hdr)},
		{map[string]any{"header": hdr, "binary": "b"}, NewBinary([]byte("b"), hdr)},
		{map[string]any{"header": map[string]any{"k": "v"}, "text": []byte("t")}, NewText("t", hdr)},
		{map[string]any{"header": hdr}, NewBinary([]byte{}, hdr)},
	} {
		got, err := MessageFromDQN(c.e)
		if err != nil || !sameMessage(got, c.want) {
			t.Errorf("%v: got %+v %v, want %+v", c.e, got, err, c.want)
		}
	}
	for _, e := range []map[string]any{
		{},
		{"header": "x"},
		{"header": map[string]any{"k": 1}},
		{"header": hdr, "text": []byte{0xff}},
		{"header": hdr, "binary": 5},
	} {
		var me *MessageError
		if _, err := MessageFromDQN(e); !errors.As(err, &me) {
			t.Errorf("%v: error %v", e, err)
		}
	}
}
