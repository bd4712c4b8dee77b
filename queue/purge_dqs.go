package queue

import (
	"bytes"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Purge removes temporary files older than opts.MaxTemp (left by crashed
// writers), unlocks elements locked for longer than opts.MaxLock (crashed
// readers; a lock's age is the element's mtime, set by Lock and Touch) and
// removes empty intermediate directories except the newest one. Files that
// vanish meanwhile are skipped: other processes work on the queue too.
func (q *DQS) Purge(opts PurgeOptions) error {
	idirs, err := listIdirs(q.path)
	if err != nil {
		return err
	}
	if opts.MaxTemp > 0 || opts.MaxLock > 0 {
		now := time.Now()
		var oldTemp, oldLock int64 // 0 disables, as in dirq
		if opts.MaxTemp > 0 {
			oldTemp = now.Add(-opts.MaxTemp).UnixNano()
		}
		if opts.MaxLock > 0 {
			oldLock = now.Add(-opts.MaxLock).UnixNano()
		}
		for _, idir := range idirs {
			dir := q.path + "/" + idir
			var stale []string
			err := listDir(dir, func(b []byte) {
				if !bytes.HasSuffix(b, []byte(tmpSuffix)) && !bytes.HasSuffix(b, []byte(lckSuffix)) {
					return
				}
				n := string(b)
				limit := int64(-1)
				switch {
				case strings.HasSuffix(n, tmpSuffix):
					limit = oldTemp
				case strings.HasSuffix(n, lckSuffix):
					limit = oldLock
				}
				if limit < 0 {
					return
				}
				if olderThan(dir+"/"+n, limit) {
					stale = append(stale, n)
				}
			})
			if err != nil && !isNotExist(err) {
				return q.wrap(err)
			}
			for _, n := range stale {
				// Asked again: a lock taken meanwhile (by a new link,
				// dated a moment later by its touch) is not stale. This
				// narrows dirq's race between link and touch to those
				// two system calls; a reader that loses it skips the
				// element.
				if strings.HasSuffix(n, lckSuffix) && !olderThan(dir+"/"+n, oldLock) {
					continue
				}
				if err := unix.Unlink(dir + "/" + n); err != nil && err != unix.ENOENT {
					return q.wrap(pathErr("unlink", dir+"/"+n, err))
				}
			}
		}
	}
	return q.removeEmptyIdirs(idirs, func(dir string) (bool, error) {
		empty := true
		err := listDir(dir, func([]byte) { empty = false })
		return empty, err
	})
}

// removeEmptyIdirs removes the empty intermediate directories among idirs
// (sorted), always keeping the newest one, where adds are going on.
func removeEmptyIdirs(path string, idirs []string, empty func(dir string) (bool, error)) error {
	if len(idirs) < 2 {
		return nil
	}
	for _, idir := range idirs[:len(idirs)-1] {
		dir := path + "/" + idir
		ok, err := empty(dir)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return err
		}
		if !ok {
			continue
		}
		if err := unix.Rmdir(dir); err != nil && err != unix.ENOENT && err != unix.ENOTEMPTY && err != unix.EEXIST {
			return pathErr("rmdir", dir, err)
		}
	}
	return nil
}

func (q *DQS) removeEmptyIdirs(idirs []string, empty func(dir string) (bool, error)) error {
	if err := removeEmptyIdirs(q.path, idirs, empty); err != nil {
		return q.wrap(err)
	}
	return nil
}

// olderThan reports whether the file at path was modified before limit
// (Unix nanoseconds); a file gone meanwhile is not.
func olderThan(path string, limit int64) bool {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return false // ENOENT: gone meanwhile
	}
	return st.Mtim.Nano() < limit
}
