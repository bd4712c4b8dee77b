package stomp

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

// Frame <-> queue.Message mapping.
//
// Receiving (MESSAGE -> Message): every header is copied (the first value
// when the broker repeats a name, as STOMP 1.2 says), values unescaped by
// the frame reader, except the per-delivery ones listed in
// DeliveryHeaders (message-id, subscription, ack, content-length, receipt,
// receipt-id): they only make sense on the connection that carried the
// frame, and copying them is what made stompclt shovels need a callback
// deleting message-id. "destination" IS kept (stompclt keeps it too): it
// records where the message came from, and a Sender given no destination
// uses it. Broker properties such as expires, timestamp, priority,
// persistent and redelivered are kept as ordinary headers. The body is
// copied byte for byte (content-length framing, so NUL bytes survive);
// Text is set when content-type is text/* or names a charset and the body
// is valid UTF-8.
//
// Sending (Message -> SEND): the message headers become frame headers,
// except DeliveryHeaders and "transaction"; "destination" is the one given
// to Send (or the message's own when none is given); content-length is
// always set to the body length; a Text message without content-type gets
// "text/plain; charset=UTF-8"; "persistent:true" is added unless the
// message says otherwise (SenderOptions.NonPersistent turns that off).
// Header names and values are escaped by the frame writer (STOMP 1.1/1.2
// rules: \\, \n, \c; \r on 1.2).

// DeliveryHeaders are the per-delivery STOMP headers that are not part of a
// message: never copied from a MESSAGE frame into a Message, never sent
// from a Message.
var DeliveryHeaders = []string{"message-id", "subscription", "ack", "content-length", "receipt", "receipt-id"}

func isDeliveryHeader(k string) bool { return slices.Contains(DeliveryHeaders, k) }

// TextContentType is the content-type given to text messages that have none.
const TextContentType = "text/plain; charset=UTF-8"

// FrameToMessage converts a MESSAGE frame into a Message (see the mapping above).
func FrameToMessage(f *frame.Frame) *queue.Message {
	m := &queue.Message{Header: make(map[string]string, f.Header.Len()), Body: f.Body}
	if m.Body == nil {
		m.Body = []byte{}
	}
	for i := range f.Header.Len() {
		k, v := f.Header.GetAt(i)
		if isDeliveryHeader(k) {
			continue
		}
		if _, seen := m.Header[k]; !seen {
			m.Header[k] = v
		}
	}
	m.Text = isTextContentType(m.Header["content-type"]) && utf8.Valid(m.Body)
	return m
}

func isTextContentType(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "charset=")
}

// MessageToFrame builds the SEND frame for m to dest (m's own
// "destination" header when dest is empty). persistent adds
// "persistent:true" when the message does not set the header.
func MessageToFrame(dest string, m *queue.Message, persistent bool) (*frame.Frame, error) {
	if dest == "" {
		dest = m.Header["destination"]
	}
	if dest == "" {
		return nil, fmt.Errorf("stomp send: no destination (neither given nor in the message header)")
	}
	f := frame.New(frame.SEND, frame.Destination, dest)
	for _, k := range slices.Sorted(maps.Keys(m.Header)) {
		switch {
		case k == "":
			return nil, fmt.Errorf("stomp send to %s: empty header name", dest)
		case k == "destination" || k == "transaction" || isDeliveryHeader(k):
			continue
		}
		f.Header.Add(k, m.Header[k])
	}
	if m.Text {
		if _, ok := m.Header["content-type"]; !ok {
			f.Header.Add(frame.ContentType, TextContentType)
		}
	}
	if _, ok := m.Header["persistent"]; persistent && !ok {
		f.Header.Add("persistent", "true")
	}
	f.Header.Add(frame.ContentLength, strconv.Itoa(len(m.Body)))
	f.Body = m.Body
	return f, nil
}
