package queue

import (
	"fmt"
	"unicode/utf8"
)

// MessageToDQN maps a message to an element of a DQN queue with
// MessagingSchema, as python-messaging's DQN.add_message: "header" always
// (an empty table for no header), then "text" (a string) for a text body or
// "binary" ([]byte) for a binary one, never both. Empty bodies are kept, so
// an empty text body stays text. No JSON and no compression are involved.
func MessageToDQN(m *Message) map[string]any {
	header := m.Header
	if header == nil {
		header = map[string]string{}
	}
	e := map[string]any{"header": header}
	if m.Text {
		e["text"] = string(m.Body)
	} else {
		body := m.Body
		if body == nil {
			body = []byte{}
		}
		e["binary"] = body
	}
	return e
}

// MessageFromDQN maps a DQN element read with MessagingSchema back to a
// message, as python-messaging's DQN.get_message: the body is "text" when
// present, else "binary", else an empty binary body. Field values may be
// string or []byte ("header" a map[string]string, or a map[string]any of
// strings); anything else, a missing header or a text that is not UTF-8 is
// a *MessageError.
func MessageFromDQN(e map[string]any) (*Message, error) {
	header, err := dqnHeader(e["header"])
	if err != nil {
		return nil, err
	}
	m := &Message{Header: header, Body: []byte{}}
	if v, ok := e["text"]; ok && v != nil {
		b, err := dqnBytes("text", v)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, messageError("dqn element: text is not valid UTF-8")
		}
		m.Body, m.Text = b, true
	} else if v, ok := e["binary"]; ok && v != nil {
		if m.Body, err = dqnBytes("binary", v); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func dqnHeader(v any) (map[string]string, error) {
	switch h := v.(type) {
	case map[string]string:
		if h == nil {
			return map[string]string{}, nil
		}
		return h, nil
	case map[string]any:
		out := make(map[string]string, len(h))
		for k, x := range h {
			s, ok := x.(string)
			if !ok {
				return nil, messageError("dqn element: header %q is %T, not a string", k, x)
			}
			out[k] = s
		}
		return out, nil
	case nil:
		return nil, messageError("dqn element: missing header")
	}
	return nil, messageError("dqn element: header is %T, not a table", v)
}

func dqnBytes(field string, v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		return []byte(b), nil
	}
	return nil, &MessageError{Msg: fmt.Sprintf("dqn element: %s is %T, not bytes or a string", field, v)}
}
