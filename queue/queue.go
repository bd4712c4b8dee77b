// Package queue is the file-based message queue brick: directory queues
// byte-compatible with python-dirq 1.8 and Perl Directory::Queue, so Go,
// Python and Perl programs can produce into and consume from the same
// directory, with any number of processes on each side.
//
// Three flavours share the Queue interface:
//
//   - DQS (dirq QueueSimple): one file per element, the message serialised
//     as python-messaging's JSON. Fast; the default.
//   - DQN (dirq Queue, Perl Directory::Queue::Normal): one directory per
//     element with a file per schema field (binary, string, table).
//   - Null: a sink that discards everything.
//
// Open picks one by name ("dqs", "dqn", "null"); Set iterates several as one.
//
// Consuming is always: iterate Names, Lock each name (false means another
// consumer has it: skip), read it (GetMessage, or Get), then Remove it – or
// Unlock it to hand it back. Exactly one locker wins, across goroutines and
// processes. Crashed writers and readers leave temporary files and locks
// behind; Purge reaps them once older than its limits. An element that cannot
// be decoded gives a *CorruptError: Quarantine moves it out of the way into
// the queue's quarantine/ directory, where it is kept, never deleted.
//
// Where python-dirq and Perl differ, this package follows Perl: DQN Count
// counts the elements of the intermediate directories only (python also
// counts temporary/ and obsolete/ entries), and DQN Purge leaves young
// temporary elements alone (python's purge removes or trips over adds in
// progress).
package queue

import (
	"iter"
	"time"
)

// Queue is what every directory-queue flavour offers: the dirq verbs on
// element names, plus message-level add and get in the format
// python-messaging uses for that flavour.
//
// Element names are relative ("6b069c10/6b069c3515e5d4"). Iteration returns
// elements whatever their lock state: a consumer locks each name and skips
// it when Lock reports false, so that many goroutines and processes can
// consume one directory and each element goes to exactly one of them.
type Queue interface {
	// Path is the queue's top-level directory.
	Path() string
	// Names yields element names in queue order (oldest first), listing one
	// intermediate directory at a time so memory stays bounded. Vanished
	// directories and elements are skipped, as other processes remove them.
	Names() iter.Seq2[string, error]
	// Lock takes the element for this caller. It reports false, with a nil
	// error, when another locker has it or it is gone (dirq's permissive
	// mode).
	Lock(name string) (bool, error)
	// Unlock releases a lock taken with Lock.
	Unlock(name string) error
	// Remove deletes a locked element.
	Remove(name string) error
	// Touch refreshes a locked element's age, so Purge does not take its
	// lock for stale.
	Touch(name string) error
	// Count returns the number of elements, locked or not.
	Count() (int, error)
	// Purge reaps stale temporary elements and locks and removes empty
	// intermediate directories.
	Purge(opts PurgeOptions) error
	// AddMessage stores a message and returns the element name.
	AddMessage(m *Message) (string, error)
	// GetMessage reads a locked element as a message. An element that
	// cannot be decoded gives a *CorruptError (errors.Is ErrCorrupt) naming
	// its path: pass the name to Quarantine and carry on.
	GetMessage(name string) (*Message, error)
	// Quarantine moves a corrupt element, locked or not, out of the queue
	// into its quarantine/ directory (never deleted), logs and returns its
	// new path.
	Quarantine(name string, reason error) (string, error)
}

// The flavours implement the common surface.
var (
	_ Queue = (*DQS)(nil)
	_ Queue = (*DQN)(nil)
	_ Queue = (*Null)(nil)
)

// PurgeOptions bounds the age of what Purge leaves alone; zero disables the
// matching clean-up, as in dirq.
type PurgeOptions struct {
	MaxTemp time.Duration // temporary elements older than this are removed
	MaxLock time.Duration // locks older than this are released
}

// DefaultPurge holds dirq's defaults: maxtemp 300 s, maxlock 600 s.
var DefaultPurge = PurgeOptions{MaxTemp: 300 * time.Second, MaxLock: 600 * time.Second}
