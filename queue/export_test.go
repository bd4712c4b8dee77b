package queue

import "testing"

// WrapReaderQueue makes the queue.reader kind use wrap(q) for the queue it
// opens, for the rest of the test.
func WrapReaderQueue(t *testing.T, wrap func(Queue) Queue) {
	t.Cleanup(func() { openReaderQueue = Open })
	openReaderQueue = func(typ, path string) (Queue, error) {
		q, err := Open(typ, path)
		if err != nil {
			return nil, err
		}
		return wrap(q), nil
	}
}
