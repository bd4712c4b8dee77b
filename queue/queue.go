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
	// GetMessage reads a locked element as a message.
	GetMessage(name string) (*Message, error)
}

// PurgeOptions bounds the age of what Purge leaves alone; zero disables the
// matching clean-up, as in dirq.
type PurgeOptions struct {
	MaxTemp time.Duration // temporary elements older than this are removed
	MaxLock time.Duration // locks older than this are released
}

// DefaultPurge holds dirq's defaults: maxtemp 300 s, maxlock 600 s.
var DefaultPurge = PurgeOptions{MaxTemp: 300 * time.Second, MaxLock: 600 * time.Second}
