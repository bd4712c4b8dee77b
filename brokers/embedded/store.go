package embedded

// entry is a message waiting in, or delivered from, a queue's store.
type entry struct {
	m           *message
	name        string // element name in a dir store
	redelivered bool
}

// store holds the messages of one queue. persist may run concurrently and
// without the destination lock (it does the slow, durable part); every other
// method runs under the destination lock.
type store interface {
	// persist makes m durable and returns its entry, not yet ready.
	persist(m *message) (*entry, error)
	// push appends a persisted entry to the ready messages.
	push(e *entry)
	// next takes the oldest ready message, reporting false when none.
	next() (*entry, bool)
	// ack forgets a delivered message for good.
	ack(e *entry) error
	// requeue puts delivered messages back at the head, in the given order,
	// marked redelivered.
	requeue(es []*entry) error
	// waiting counts the messages waiting for a subscriber.
	waiting() int
	// close releases the store; unacknowledged entries were requeued.
	close() error
}

// memoryStore keeps a queue in a ring buffer.
type memoryStore struct{ q deque[*entry] }

func (s *memoryStore) persist(m *message) (*entry, error) { return &entry{m: m}, nil }
func (s *memoryStore) push(e *entry)                      { s.q.pushBack(e) }
func (s *memoryStore) next() (*entry, bool)               { return s.q.popFront() }
func (s *memoryStore) ack(*entry) error                   { return nil }
func (s *memoryStore) waiting() int                       { return s.q.len() }
func (s *memoryStore) close() error                       { s.q = deque[*entry]{}; return nil }

func (s *memoryStore) requeue(es []*entry) error {
	for i := len(es) - 1; i >= 0; i-- {
		es[i].redelivered = true
		s.q.pushFront(es[i])
	}
	return nil
}

// deque is a growable ring buffer with O(1) push and pop at both ends.
type deque[T any] struct {
	buf  []T
	head int
	n    int
}

func (d *deque[T]) len() int { return d.n }

func (d *deque[T]) grow() {
	if d.n < len(d.buf) {
		return
	}
	d.resize(max(16, 2*len(d.buf)))
}

func (d *deque[T]) resize(size int) {
	nb := make([]T, size)
	for i := 0; i < d.n; i++ {
		nb[i] = d.buf[(d.head+i)%len(d.buf)]
	}
	d.buf, d.head = nb, 0
}

func (d *deque[T]) pushBack(v T) {
	d.grow()
	d.buf[(d.head+d.n)%len(d.buf)] = v
	d.n++
}

func (d *deque[T]) pushFront(v T) {
	d.grow()
	d.head = (d.head - 1 + len(d.buf)) % len(d.buf)
	d.buf[d.head] = v
	d.n++
}

func (d *deque[T]) popFront() (T, bool) {
	var zero T
	if d.n == 0 {
		return zero, false
	}
	v := d.buf[d.head]
	d.buf[d.head] = zero
	d.head = (d.head + 1) % len(d.buf)
	d.n--
	if len(d.buf) > 1024 && d.n < len(d.buf)/4 {
		d.resize(len(d.buf) / 2) // give back the memory of a drained backlog
	}
	return v, true
}
