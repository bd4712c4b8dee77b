package queue

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// dir is what the two directory queues (DQS, DQN) share: the queue
// directory and the steps that do not depend on the element layout.
type dir struct{ path string }

// wrap names the queue in an error.
func (d dir) wrap(err error) error { return fmt.Errorf("queue %s: %w", d.path, err) }

// checkName refuses anything but "IDIR/ELT" (python-dirq does not check,
// but every name it makes passes, and a name from a user must not reach
// outside the queue).
func (d dir) checkName(name string) error {
	if !validName(name) {
		return d.wrap(fmt.Errorf("%w: %q", ErrInvalidName, name))
	}
	return nil
}

// touch sets an element's mtime (the file of a DQS element, the directory
// of a DQN one) to now, refreshing its lock's age.
func (d dir) touch(name string) error {
	if err := d.checkName(name); err != nil {
		return err
	}
	p := d.path + "/" + name
	if err := unix.Utimes(p, nil); err != nil {
		return d.wrap(pathErr("utime", p, err))
	}
	return nil
}

// count sums inIdir over the intermediate directories; a directory
// removed meanwhile (by a purge) counts 0.
func (d dir) count(inIdir func(idir string) (int, error)) (int, error) {
	idirs, err := listIdirs(d.path)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, idir := range idirs {
		n, err := inIdir(d.path + "/" + idir)
		if err != nil && !isNotExist(err) {
			return 0, d.wrap(err)
		}
		total += n
	}
	return total, nil
}
