package apps

import (
	"bytes"
	"errors"

	"github.com/bricksmq/bricks/queue"
)

// test.upper upper-cases bodies, drops messages with header drop: yes and
// rejects those with header bad: yes.
func init() {
	RegisterHook("test.upper", "upper-cases bodies (tests)", func(m *queue.Message) (*queue.Message, error) {
		switch {
		case m.Header["drop"] == "yes":
			return nil, nil
		case m.Header["bad"] == "yes":
			return nil, errors.New("refused by test.upper")
		}
		out := m.Clone()
		out.Body = bytes.ToUpper(out.Body)
		return out, nil
	})
}
