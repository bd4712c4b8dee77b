package queue

import (
	"fmt"
	"strings"
)

// Open returns the queue of the given kind at path with default options:
// "dqs" (also the empty kind) for a simple queue, "dqn" for a DQN with
// python-messaging's schema (MessagingSchema), "null" for the sink (path is
// ignored). Kinds are case-insensitive, like python-messaging's queue type.
func Open(kind, path string) (Queue, error) {
	switch strings.ToLower(kind) {
	case "", "dqs":
		return NewDQS(path, DQSOptions{})
	case "dqn":
		return NewDQN(path, DQNOptions{Schema: MessagingSchema})
	case "null":
		return NewNull(), nil
	}
	return nil, fmt.Errorf("queue %s: unknown queue kind %q (want dqs, dqn or null)", path, kind)
}
