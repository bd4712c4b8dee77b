package queue

import (
	"time"

	"golang.org/x/sys/unix"
)

// Purge removes empty intermediate directories (except the newest),
// deletes elements left in temporary/ or obsolete/ for longer than
// opts.MaxTemp (crashed writers or removers), and unlocks elements locked for
// longer than opts.MaxLock (crashed readers; the age is the element
// directory's mtime, set by Lock and Touch).
//
// Unlike python-dirq 1.8, which also runs rmdir on young temporary elements
// (removing an add in progress, or failing with "Directory not empty"), young
// entries are left alone entirely, as in Perl Directory::Queue.
func (q *DQN) Purge(opts PurgeOptions) error {
	idirs, err := listIdirs(q.path)
	if err != nil {
		return err
	}
	err = removeEmptyIdirs(q.path, idirs, func(dir string) (bool, error) {
		n, err := subdirs(dir)
		return n == 0, err
	})
	if err != nil {
		return q.wrap(err)
	}
	if opts.MaxTemp > 0 {
		old := time.Now().Add(-opts.MaxTemp).UnixNano()
		for _, sub := range []string{temporaryDir, obsoleteDir} {
			dir := q.path + "/" + sub
			var stale []string
			err := listDir(dir, func(b []byte) {
				if !isElt(b) {
					return
				}
				n := string(b)
				var st unix.Stat_t
				if unix.Lstat(dir+"/"+n, &st) == nil && st.Mtim.Nano() < old {
					stale = append(stale, n)
				}
			})
			if err != nil && !isNotExist(err) {
				return q.wrap(err)
			}
			for _, n := range stale {
				if err := removeFiles(dir + "/" + n); err != nil {
					return q.wrap(err)
				}
				if err := q.destroy(dir + "/" + n); err != nil {
					return q.wrap(err)
				}
			}
		}
	}
	if opts.MaxLock > 0 {
		old := time.Now().Add(-opts.MaxLock).UnixNano()
		for name, err := range q.Names() {
			if err != nil {
				return err
			}
			var st unix.Stat_t
			p := q.path + "/" + name
			if unix.Lstat(p, &st) != nil || st.Mtim.Nano() >= old {
				continue
			}
			if unix.Lstat(p+"/"+lockedDir, &st) != nil {
				continue // not locked, or gone
			}
			if _, err := q.UnlockPermissive(name); err != nil {
				return err
			}
		}
	}
	return nil
}
