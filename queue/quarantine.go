package queue

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/sys/unix"
)

// Corrupt elements (undecodable JSON, truncated files, wrong schema) would
// make every consumer fail on them forever. They are moved aside into the
// queue's quarantine/ directory – never deleted, so a human can look at them
// – where iteration, counting and purging do not see them.

// QuarantineDir is the sub-directory of a queue holding quarantined
// elements, named IDIR-ELT (plus IDIR-ELT.reason). dirq iteration ignores it
// (not an intermediate directory name); python-dirq's DQN count() would
// count its entries, as it does temporary/ ones.
const QuarantineDir = "quarantine"

// CorruptError reports an element that cannot be decoded. Path names the
// element on disk; callers iterating a queue pass Name to Quarantine and
// carry on.
type CorruptError struct {
	Path string // element file (DQS) or directory (DQN)
	Name string // element name "IDIR/ELT"
	Err  error  // what is wrong
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt element %s: %v", e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func (q *DQN) corrupt(name string, err error) error {
	return &CorruptError{Path: q.path + "/" + name, Name: name, Err: err}
}

func (q *DQS) corrupt(name string, err error) error {
	return &CorruptError{Path: q.path + "/" + name, Name: name, Err: err}
}

// quarantineName maps "IDIR/ELT" to the name inside quarantine/.
func quarantineName(name string) string { return strings.Replace(name, "/", "-", 1) }

// writeReason leaves a text file next to a quarantined element saying why
// it is there; failing to write it does not undo the quarantine.
func writeReason(p perms, target string, reason error) {
	msg := "unknown"
	if reason != nil {
		msg = reason.Error()
	}
	_ = p.createFile(target+".reason", []byte(msg+"\n"))
}

// Quarantine moves element name (locked or not) into quarantine/, records
// the reason in a .reason file next to it, logs its new path and returns it.
// The element leaves the queue: iteration and Count no longer see it.
func (q *DQS) Quarantine(name string, reason error) (string, error) {
	return q.quarantine(q.perm, name, reason, func(src, dst string) error {
		// link + unlink, like adds: never overwrite an earlier quarantined file.
		if err := unix.Link(src, dst); err != nil {
			return pathErr("link", dst, err)
		}
		if err := unix.Unlink(src); err != nil && err != unix.ENOENT {
			return pathErr("unlink", src, err)
		}
		if err := unix.Unlink(src + lckSuffix); err != nil && err != unix.ENOENT {
			return pathErr("unlink", src+lckSuffix, err)
		}
		return nil
	})
}

// Quarantine moves element name (locked or not) into quarantine/, records
// the reason in a .reason file next to it, logs its new path and returns it.
// The element leaves the queue: iteration and Count no longer see it.
func (q *DQN) Quarantine(name string, reason error) (string, error) {
	return q.quarantine(q.perm, name, reason, func(src, dst string) error {
		// rename(2) of a directory fails on a non-empty target: nothing is
		// overwritten.
		if err := unix.Rename(src, dst); err != nil {
			return pathErr("rename", src, err)
		}
		if err := unix.Rmdir(dst + "/" + lockedDir); err != nil && err != unix.ENOENT {
			return pathErr("rmdir", dst+"/"+lockedDir, err)
		}
		return nil
	})
}

// quarantine is Quarantine around move, which takes the element from src
// (in the queue) to dst (in quarantine/) as the queue's layout needs.
func (d dir) quarantine(p perms, name string, reason error, move func(src, dst string) error) (string, error) {
	if err := d.checkName(name); err != nil {
		return "", err
	}
	qdir := d.path + "/" + QuarantineDir
	if _, err := p.mkdir(qdir); err != nil {
		return "", d.wrap(err)
	}
	dst := qdir + "/" + quarantineName(name)
	if err := move(d.path+"/"+name, dst); err != nil {
		return "", d.wrap(err)
	}
	writeReason(p, dst, reason)
	slog.Warn("queue: element quarantined", "queue", d.path, "element", name, "path", dst, "reason", reason)
	return dst, nil
}

// IsCorrupt returns the CorruptError in err's chain, if any.
func IsCorrupt(err error) (*CorruptError, bool) {
	var ce *CorruptError
	ok := errors.As(err, &ce)
	return ce, ok
}
