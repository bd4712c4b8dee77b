package queue

import (
	"fmt"
	"iter"
	"os"
)

// Null is dirq's QueueNull: a sink that accepts and discards everything.
// It holds no element, so the verbs acting on one fail with ErrNotSupported.
type Null struct{}

// NewNull returns the sink.
func NewNull() *Null { return &Null{} }

// Path is empty: a Null queue has no directory.
func (*Null) Path() string { return "" }

// Add discards data.
func (*Null) Add([]byte) (string, error) { return "", nil }

// AddPath deletes the file at path, as dirq's QueueNull.add_path does.
func (*Null) AddPath(path string) (string, error) {
	if err := os.Remove(path); err != nil {
		return "", fmt.Errorf("queue null: %w", err)
	}
	return "", nil
}

// AddMessage discards the message.
func (*Null) AddMessage(m *Message) (string, error) {
	if m == nil {
		return "", fmt.Errorf("queue null: nil message")
	}
	return "", nil
}

// Names yields nothing.
func (*Null) Names() iter.Seq2[string, error] { return func(func(string, error) bool) {} }

// Count is always 0.
func (*Null) Count() (int, error) { return 0, nil }

// Purge does nothing.
func (*Null) Purge(PurgeOptions) error { return nil }

func unsupported(op string) error { return fmt.Errorf("queue null: %s: %w", op, ErrNotSupported) }

// Lock fails with ErrNotSupported.
func (*Null) Lock(string) (bool, error) { return false, unsupported("lock") }

// Unlock fails with ErrNotSupported.
func (*Null) Unlock(string) error { return unsupported("unlock") }

// Remove fails with ErrNotSupported.
func (*Null) Remove(string) error { return unsupported("remove") }

// Touch fails with ErrNotSupported.
func (*Null) Touch(string) error { return unsupported("touch") }

// GetMessage fails with ErrNotSupported.
func (*Null) GetMessage(string) (*Message, error) { return nil, unsupported("get") }

// Quarantine fails with ErrNotSupported.
func (*Null) Quarantine(string, error) (string, error) { return "", unsupported("quarantine") }
