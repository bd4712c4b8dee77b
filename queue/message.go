package queue

// Message is a header map and a body, the unit every brick moves; its JSON
// form is python-messaging's, so Perl and Python tools read what bricks
// writes.
type Message struct {
	// Header maps names to values (STOMP headers, AMQP properties).
	Header map[string]string
	// Body is the payload; Text says it holds UTF-8 text rather than bytes.
	Body []byte
	// Text marks a text body: it is serialised as a JSON string and mapped
	// to a text frame or an AMQP string value.
	Text bool
}
