package embedded

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/bricksmq/bricks/queue"
)

// dirCacheLimit is how many waiting messages a dir store keeps in memory
// besides on disk; beyond it, messages are read back at delivery, so a
// large backlog costs disk, not memory.
const dirCacheLimit = 10000

// dirStore keeps a queue in a DQS directory queue: a message is added to
// the directory before the RECEIPT, locked while delivered, removed when
// acknowledged and unlocked when requeued, so whatever was not acknowledged
// is still there after a restart. The broker must be the directory's only
// consumer: it lists the elements once, at open, and then tracks them in
// memory.
type dirStore struct {
	q     *queue.DQS
	dest  string // destination of messages stored by other programs
	log   *slog.Logger
	ready deque[*entry]
}

// openDirStore opens (creating it) the DQS queue of queue name under dir
// and lists the messages already there, oldest first. Locks left by a
// broker that died are released: this broker owns the directory.
func openDirStore(dir, name string, log *slog.Logger) (store, error) {
	path := filepath.Join(dir, escapeName(name))
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		return nil, err
	}
	s := &dirStore{q: q, dest: "/queue/" + name, log: log.With("queue", name, "path", path)}
	for elt, err := range q.Names() {
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", path, err)
		}
		// A lock left behind means the message was being delivered when its
		// broker died: it goes out again, flagged as a redelivery.
		wasLocked, err := q.UnlockPermissive(elt)
		if err != nil {
			return nil, err
		}
		s.ready.pushBack(&entry{name: elt, redelivered: wasLocked})
	}
	// A lock without its element is an acknowledged message whose removal
	// a killed broker did not finish (the element goes first, then the
	// lock): nothing to deliver, only a file to clear. Temporary files
	// (unconfirmed adds) are left alone, as dirq's purge would by default.
	if err := q.Purge(queue.PurgeOptions{MaxLock: time.Nanosecond}); err != nil {
		return nil, fmt.Errorf("clear stale locks of %s: %w", path, err)
	}
	if n := s.ready.len(); n > 0 {
		s.log.Info("stomp broker: queue reopened", "messages", n)
	}
	return s, nil
}

func (s *dirStore) persist(m *message) (*entry, error) {
	name, err := s.q.AddMessage(toQueueMessage(m))
	if err != nil {
		return nil, err
	}
	return &entry{m: m, name: name}, nil
}

func (s *dirStore) push(e *entry) {
	if s.ready.len() >= dirCacheLimit {
		e.m = nil // read back at delivery
	}
	s.ready.pushBack(e)
}

func (s *dirStore) next() (*entry, bool) {
	for {
		e, ok := s.ready.popFront()
		if !ok {
			return nil, false
		}
		locked, err := s.q.Lock(e.name)
		if err != nil || !locked {
			// Gone or unreadable: it stays on disk for the next start.
			s.log.Error("stomp broker: cannot lock queued message; skipping it", "element", e.name, "err", err)
			continue
		}
		if e.m == nil {
			qm, err := s.q.GetMessage(e.name)
			if err != nil {
				if _, corrupt := queue.IsCorrupt(err); corrupt {
					if _, qerr := s.q.Quarantine(e.name, err); qerr != nil {
						s.log.Error("stomp broker: quarantine failed", "element", e.name, "err", qerr)
					}
				} else {
					s.log.Error("stomp broker: cannot read queued message; skipping it", "element", e.name, "err", err)
					_ = s.q.Unlock(e.name)
				}
				continue
			}
			e.m = fromQueueMessage(qm)
			if e.m.id == "" { // added by another program
				e.m.id = "dq-" + e.name
			}
			if e.m.dest == "" {
				e.m.dest = s.dest
			}
		}
		return e, true
	}
}

func (s *dirStore) ack(e *entry) error { return s.q.Remove(e.name) }

func (s *dirStore) requeue(es []*entry) error {
	var first error
	for i := len(es) - 1; i >= 0; i-- {
		if err := s.q.Unlock(es[i].name); err != nil && first == nil {
			first = err
		}
		es[i].redelivered = true
		s.ready.pushFront(es[i])
	}
	return first
}

func (s *dirStore) waiting() int { return s.ready.len() }

func (s *dirStore) close() error { s.ready = deque[*entry]{}; return nil }

// dirLockName is the file a broker locks in its storage directory; the
// leading dot keeps it apart from queue directories (escapeName never
// starts a name with a dot).
const dirLockName = ".broker.lock"

// lockDir creates dir if needed and takes an exclusive lock on it: two
// brokers serving one directory would deliver each message twice.
func lockDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded broker: storage dir: %w", err)
	}
	path := filepath.Join(dir, dirLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: storage dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded broker: storage dir %s is in use by another broker (lock %s): %w", dir, path, err)
	}
	return f, nil
}

// Headers that carry the broker's own fields in a stored queue.Message.
const (
	storedMessageID   = "message-id"
	storedDestination = "destination"
)

// toQueueMessage is the on-disk form of m: python-messaging's JSON, so
// the bricks queue tools (and Perl/Python) can read a broker directory.
func toQueueMessage(m *message) *queue.Message {
	h := make(map[string]string, len(m.header)/2+2)
	for i := len(m.header) - 2; i >= 0; i -= 2 {
		h[m.header[i]] = m.header[i+1] // first occurrence wins, as in STOMP
	}
	h[storedMessageID] = m.id
	h[storedDestination] = m.dest
	text := strings.HasPrefix(h["content-type"], "text/") && utf8.Valid(m.body)
	return &queue.Message{Header: h, Body: m.body, Text: text}
}

func fromQueueMessage(qm *queue.Message) *message {
	m := &message{id: qm.Header[storedMessageID], dest: qm.Header[storedDestination], body: qm.Body}
	keys := make([]string, 0, len(qm.Header))
	for k := range qm.Header {
		if k != storedMessageID && k != storedDestination && !serverHeaders[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.header = append(m.header, k, qm.Header[k])
	}
	return m
}

// escapeName maps a queue name to one directory name: letters, digits,
// '.', '_' and '-' stay, anything else (and a leading '.') becomes %XX, so
// "a/b" and "a%2Fb" cannot meet and ".." cannot climb.
func escapeName(name string) string {
	if name == "" {
		return "%"
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-',
			c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
