package embedded

import (
	"strconv"

	"github.com/go-stomp/stomp/v3/frame"
)

// message is a stored SEND: immutable once built, shared by the deliveries
// of a topic fan-out.
type message struct {
	id     string
	dest   string   // destination as the sender wrote it
	header []string // user headers as name, value pairs, in frame order
	body   []byte
}

// serverHeaders are set by the broker on MESSAGE frames, or only make sense
// on the SEND that carried them; they are not stored with the message.
var serverHeaders = map[string]bool{
	frame.Receipt: true, frame.Transaction: true, frame.ContentLength: true,
	frame.MessageId: true, frame.Subscription: true, frame.Ack: true,
	frame.Destination: true, "redelivered": true,
}

// newMessage builds the stored form of a SEND frame.
func newMessage(id string, f *frame.Frame) *message {
	m := &message{id: id, dest: f.Header.Get(frame.Destination), body: f.Body}
	n := f.Header.Len()
	m.header = make([]string, 0, 2*n)
	for i := 0; i < n; i++ {
		k, v := f.Header.GetAt(i)
		if !serverHeaders[k] {
			m.header = append(m.header, k, v)
		}
	}
	return m
}

// frame builds the MESSAGE frame delivering m to sub; ack is the ack id
// ("" for auto subscriptions).
func (m *message) frame(sub *subscription, ack string, redelivered bool) *frame.Frame {
	h := make([]string, 0, len(m.header)+12)
	h = append(h,
		frame.Subscription, sub.id,
		frame.MessageId, m.id,
		frame.Destination, m.dest)
	if ack != "" {
		h = append(h, frame.Ack, ack)
	}
	if redelivered {
		h = append(h, "redelivered", "true")
	}
	h = append(h, m.header...)
	h = append(h, frame.ContentLength, strconv.Itoa(len(m.body)))
	return &frame.Frame{Command: frame.MESSAGE, Header: frame.NewHeader(h...), Body: m.body}
}
