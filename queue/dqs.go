package queue

import (
	"fmt"
	"iter"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// DQS is dirq's QueueSimple: each element is one file holding opaque bytes,
// in an intermediate directory named after the insertion time rounded down to
// the granularity. It is byte-compatible with python-dirq QueueSimple and Perl
// Directory::Queue::Simple, so those programs can share the directory.
//
// A DQS is safe for concurrent use by many goroutines and processes: all state
// lives in the filesystem and every step is an atomic link, unlink or
// exclusive create.
type DQS struct {
	dir
	perm        perms
	rndhex      byte
	granularity int64
	compression string
}

// DQSOptions configures NewDQS; the zero value gives dirq's defaults.
type DQSOptions struct {
	// Umask for created files and directories; nil uses the process umask.
	Umask *os.FileMode
	// Rndhex is the last digit of element names (taken modulo 16); nil
	// picks a random one, as dirq does, once per queue object.
	Rndhex *int
	// Granularity is the span of one intermediate directory in seconds.
	// 0 means dirq's default 60; 1 gives one directory per second.
	Granularity int
	// Compression is used by AddMessage ("zlib", "lz4", "snappy"), as
	// python-messaging's DQS compression option; empty means none.
	Compression string
}

// Opt returns a pointer to v, for the optional fields of the options
// structs: DQSOptions{Umask: queue.Opt(os.FileMode(0o022))}.
func Opt[T any](v T) *T { return &v }

const (
	tmpSuffix = ".tmp"
	lckSuffix = ".lck"
)

// NewDQS opens the simple queue at path, creating the directory if needed.
func NewDQS(path string, opts DQSOptions) (*DQS, error) {
	if path == "" {
		return nil, fmt.Errorf("queue: empty path")
	}
	g := int64(opts.Granularity)
	if g == 0 {
		g = 60
	}
	if g < 0 {
		return nil, fmt.Errorf("queue %s: negative granularity %d", path, g)
	}
	q := &DQS{dir: dir{path}, perm: newPerms(opts.Umask), rndhex: pickRndhex(opts.Rndhex),
		granularity: g, compression: opts.Compression}
	if err := q.perm.mkdirAll(path); err != nil {
		return nil, fmt.Errorf("queue %s: %w", path, err)
	}
	return q, nil
}

// Path is the queue directory.
func (q *DQS) Path() string { return q.path }

// addDir returns "PATH/IDIR/" for now.
func (q *DQS) addDir(b []byte) ([]byte, int) {
	t := time.Now().Unix()
	if q.granularity > 1 {
		t -= t % q.granularity
	}
	b = append(b, q.path...)
	b = append(b, '/')
	start := len(b)
	b = appendHex(b, uint64(t), idirLen)
	return append(b, '/'), start
}

// Add stores data as a new element and returns its name. The data goes to
// a temporary file that is then hard-linked to its final name and unlinked,
// so no reader ever sees a partial element and nothing is overwritten.
func (q *DQS) Add(data []byte) (string, error) {
	var tb, fb [pathBufLen]byte
	buf, idirAt := q.addDir(tb[:0])
	base := len(buf)
	var tmp []byte
	for {
		tmp = append(appendName(buf[:base], q.rndhex), tmpSuffix+"\x00"...)
		err := q.perm.createCFile(tmp, data)
		if err == nil {
			break
		}
		if err == unix.ENOENT {
			if _, err := q.perm.mkdir(string(buf[:base-1])); err != nil {
				return "", q.wrap(err)
			}
			continue
		}
		if err == unix.EEXIST || err == unix.EINTR {
			continue // name taken by a concurrent adder: take another
		}
		// dirq swallows every error here and retries; a persistent one
		// (ENOSPC, EACCES) would spin forever, so report it.
		return "", q.wrap(pathErr("create", goPath(tmp), err))
	}
	return q.link(tmp, append(fb[:0], buf[:base]...), idirAt)
}

// link moves tmp (NUL-terminated) to a fresh element name in the directory
// dir ("PATH/IDIR/", its IDIR at idirAt) by link + unlink and returns the
// element name.
func (q *DQS) link(tmp, dir []byte, idirAt int) (string, error) {
	base := len(dir)
	for {
		final := append(appendName(dir[:base], q.rndhex), 0)
		err := sysLink(tmp, final)
		if err == unix.EEXIST {
			continue
		}
		if err != nil {
			return "", q.wrap(pathErr("link", goPath(final), err))
		}
		if err := sysUnlink(tmp); err != nil {
			return "", q.wrap(pathErr("unlink", goPath(tmp), err))
		}
		return string(final[idirAt : len(final)-1]), nil
	}
}

// AddPath moves the file at path (on the same filesystem) into the queue as
// a new element, by link + unlink, and returns the element name.
func (q *DQS) AddPath(path string) (string, error) {
	var fb [pathBufLen]byte
	buf, idirAt := q.addDir(fb[:0])
	if _, err := q.perm.mkdir(string(buf[:len(buf)-1])); err != nil {
		return "", q.wrap(err)
	}
	return q.link(append([]byte(path), 0), buf, idirAt)
}

// Lock takes the element by hard-linking NAME.lck to it. It reports false
// when the element is already locked or is gone (dirq's permissive mode).
func (q *DQS) Lock(name string) (bool, error) { return q.lock(name, true) }

// LockStrict is Lock in dirq's non-permissive mode: an element already
// locked or gone is an error (wrapping fs.ErrExist or fs.ErrNotExist).
func (q *DQS) LockStrict(name string) error {
	_, err := q.lock(name, false)
	return err
}

func (q *DQS) lock(name string, permissive bool) (bool, error) {
	if err := q.checkName(name); err != nil {
		return false, err
	}
	var pb, lb [pathBufLen]byte
	p := appendCPath(pb[:0], q.path, name, "")
	lck := appendCPath(lb[:0], q.path, name, lckSuffix)
	if err := sysLink(p, lck); err != nil {
		if permissive && (err == unix.EEXIST || err == unix.ENOENT) {
			return false, nil
		}
		return false, q.wrap(pathErr("link", goPath(lck), err))
	}
	// The lock's age is the shared inode's mtime: make it now.
	if err := sysTouch(p); err != nil {
		if err == unix.ENOENT {
			// Locked and removed by another process in between.
			sysUnlink(lck)
			if permissive {
				return false, nil
			}
		}
		return false, q.wrap(pathErr("utime", goPath(p), err))
	}
	return true, nil
}

// Unlock releases the lock; an element that is not locked is an error.
func (q *DQS) Unlock(name string) error {
	_, err := q.unlock(name, false)
	return err
}

// UnlockPermissive releases the lock and reports false, without error, when
// there was none (dirq's permissive unlock).
func (q *DQS) UnlockPermissive(name string) (bool, error) { return q.unlock(name, true) }

func (q *DQS) unlock(name string, permissive bool) (bool, error) {
	if err := q.checkName(name); err != nil {
		return false, err
	}
	var lb [pathBufLen]byte
	lck := appendCPath(lb[:0], q.path, name, lckSuffix)
	if err := sysUnlink(lck); err != nil {
		if permissive && err == unix.ENOENT {
			return false, nil
		}
		return false, q.wrap(pathErr("unlink", goPath(lck), err))
	}
	return true, nil
}

// Get returns a locked element's bytes. It reads NAME.lck, as dirq does, so
// an element that is not locked fails with fs.ErrNotExist.
func (q *DQS) Get(name string) ([]byte, error) {
	if err := q.checkName(name); err != nil {
		return nil, err
	}
	p := q.GetPath(name)
	b, err := readFile(p)
	if err != nil {
		return nil, q.wrap(pathErr("read", p, err))
	}
	return b, nil
}

// GetPath returns the path of a locked element's data (its .lck link).
func (q *DQS) GetPath(name string) string { return q.path + "/" + name + lckSuffix }

// Remove deletes a locked element: the element file, then its lock. As in
// dirq, when the element was not locked the data is already gone by the time
// the missing lock is reported (wrapping ErrNotLocked): only call Remove on
// an element Lock gave you. (Checking first would cost a system call per
// element; unlinking the lock first would let another consumer lock the
// element in between.)
func (q *DQS) Remove(name string) error {
	if err := q.checkName(name); err != nil {
		return err
	}
	var pb [pathBufLen]byte
	p := appendCPath(pb[:0], q.path, name, "")
	if err := sysUnlink(p); err != nil {
		return q.wrap(pathErr("unlink", goPath(p), err))
	}
	lck := append(p[:len(p)-1], lckSuffix+"\x00"...)
	if err := sysUnlink(lck); err != nil {
		if err == unix.ENOENT {
			return q.wrap(fmt.Errorf("%s: %w", name, ErrNotLocked))
		}
		return q.wrap(pathErr("unlink", goPath(lck), err))
	}
	return nil
}

// Touch sets the element's mtime to now, refreshing its lock's age.
func (q *DQS) Touch(name string) error { return q.touch(name) }

// Names yields element names oldest first, listing one intermediate
// directory at a time (memory is bounded by the largest directory, at 8 bytes
// per element). Temporary and lock files are not elements.
func (q *DQS) Names() iter.Seq2[string, error] { return names(q.path) }

// Count returns the number of elements, locked or not.
func (q *DQS) Count() (int, error) {
	return q.count(func(idir string) (int, error) {
		n := 0
		err := listDir(idir, func(s []byte) {
			if isElt(s) {
				n++
			}
		})
		return n, err
	})
}

// AddMessage stores m serialised as python-messaging's JSON (compressed
// with the queue's Compression option) and returns the element name.
func (q *DQS) AddMessage(m *Message) (string, error) {
	bp := getBuf()
	defer putBuf(bp)
	b, err := m.appendSerialized((*bp)[:0], SerializeOptions{Compression: q.compression})
	if err != nil {
		return "", q.wrap(err)
	}
	*bp = b
	return q.Add(b)
}

// GetMessage reads a locked element as a message. An element that does not
// decode is a *CorruptError naming its path, for Quarantine.
func (q *DQS) GetMessage(name string) (*Message, error) {
	if err := q.checkName(name); err != nil {
		return nil, err
	}
	// Fast path: no fstat, into a recycled buffer (Deserialize copies what
	// it keeps). Any failure, including a short read cut mid-file, is
	// decided by the careful path below, which gives the errors.
	var pb [pathBufLen]byte
	bp := getBuf()
	b, err := readShort(appendCPath(pb[:0], q.path, name, lckSuffix), *bp)
	*bp = b
	if err == nil {
		m, err := Deserialize(b)
		putBuf(bp)
		if err == nil {
			return m, nil
		}
	} else {
		putBuf(bp)
	}
	b, err = q.Get(name)
	if err != nil {
		return nil, err
	}
	m, err := Deserialize(b)
	if err != nil {
		return nil, q.corrupt(name, err)
	}
	return m, nil
}
