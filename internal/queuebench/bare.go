package queuebench

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// The bare loops make exactly the system calls the queue implementations
// make for the same work, in the same order and with the same outcomes
// (including the failing ones, e.g. the open of an absent optional field),
// with element names from a counter and no error wrapping: what is left is
// the kernel's cost, the physical limit of the format.

func hex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	for i := width - 1; i >= 0; i-- {
		b = append(b, digits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

func create(path string, data []byte) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o666)
	if err != nil {
		return err
	}
	if _, err := unix.Write(fd, data); err != nil {
		unix.Close(fd)
		return err
	}
	return unix.Close(fd)
}

func read(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	b := make([]byte, st.Size)
	if _, err := unix.Read(fd, b); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return b, unix.Close(fd)
}

var dirent = make([]byte, 8192)

// list reads a directory like the queue does (open, getdents until empty,
// close) and returns the names of the given length.
func list(dir string, width int) ([]string, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var names []string
	for {
		n, err := unix.Getdents(fd, dirent)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(dirent[:n], -1, names)
		k := 0
		for _, s := range names {
			if len(s) == width {
				names[k] = s
				k++
			}
		}
		names = names[:k]
	}
}

// bareDQSAdd: per element open(O_EXCL) + write + close of NAME.tmp, link to
// NAME, unlink NAME.tmp (the first one also gets ENOENT and mkdirs the
// intermediate directory).
func bareDQSAdd(path string, n int, body []byte) error {
	if err := unix.Mkdir(path, 0o777); err != nil {
		return err
	}
	idir := path + "/6b000000/"
	buf := make([]byte, 0, len(idir)+20)
	for i := range n {
		b := hex(append(buf[:0], idir...), uint64(i), 14)
		tmp := string(append(b, ".tmp"...))
		err := create(tmp, body)
		if err == unix.ENOENT {
			if err := unix.Mkdir(idir[:len(idir)-1], 0o777); err != nil {
				return err
			}
			err = create(tmp, body)
		}
		if err != nil {
			return err
		}
		final := string(b)
		if err := unix.Link(tmp, final); err != nil {
			return err
		}
		if err := unix.Unlink(tmp); err != nil {
			return err
		}
	}
	return nil
}

// eachElement lists the queue at path and its intermediate directories and
// calls consume with the intermediate directory's path and the name of
// every element, in order; it returns how many were consumed.
func eachElement(path string, consume func(dir, name string) error) (int, error) {
	idirs, err := list(path, 8)
	if err != nil {
		return 0, err
	}
	count := 0
	for _, idir := range idirs {
		dir := path + "/" + idir
		elts, err := list(dir, 14)
		if err != nil {
			return 0, err
		}
		for _, e := range elts {
			if err := consume(dir, e); err != nil {
				return 0, err
			}
			count++
		}
	}
	return count, nil
}

// bareDQSConsume: list the queue and its intermediate directory, then per
// element link NAME.lck, utimensat, open+fstat+read+close of NAME.lck,
// unlink NAME and NAME.lck.
func bareDQSConsume(path string) (int, error) {
	return eachElement(path, func(dir, e string) error {
		p := dir + "/" + e
		lck := p + ".lck"
		if err := unix.Link(p, lck); err != nil {
			return err
		}
		if err := unix.Utimes(p, nil); err != nil {
			return err
		}
		if _, err := read(lck); err != nil {
			return err
		}
		if err := unix.Unlink(p); err != nil {
			return err
		}
		return unix.Unlink(lck)
	})
}

// bareDQNAdd: mkdir temporary/NAME, create its header and binary files,
// list the queue for the last intermediate directory, stat it (nlink),
// rename the element into it (the first one mkdirs 00000000 instead of the
// stat). Intermediate directories hold maxelts (16000) elements.
func bareDQNAdd(path string, n int, header, body []byte) error {
	for _, d := range []string{path, path + "/temporary", path + "/obsolete"} {
		if err := unix.Mkdir(d, 0o777); err != nil && err != unix.EEXIST {
			return err
		}
	}
	const maxelts = 16000
	buf := make([]byte, 0, len(path)+40)
	for i := range n {
		temp := string(hex(append(buf[:0], path+"/temporary/"...), uint64(i), 14))
		if err := unix.Mkdir(temp, 0o777); err != nil {
			return err
		}
		if err := create(temp+"/binary", body); err != nil {
			return err
		}
		if err := create(temp+"/header", header); err != nil {
			return err
		}
		idirs, err := list(path, 8)
		if err != nil {
			return err
		}
		idir := fmt.Sprintf("%08x", i/maxelts)
		if len(idirs) == 0 || i%maxelts == 0 {
			if i > 0 {
				var st unix.Stat_t
				if err := unix.Stat(path+"/"+idirs[len(idirs)-1], &st); err != nil {
					return err
				}
			}
			if err := unix.Mkdir(path+"/"+idir, 0o777); err != nil {
				return err
			}
		} else {
			var st unix.Stat_t
			if err := unix.Stat(path+"/"+idir, &st); err != nil {
				return err
			}
		}
		final := string(hex(append(buf[:0], path+"/"+idir+"/"...), uint64(i), 14))
		if err := unix.Rename(temp, final); err != nil {
			return err
		}
	}
	return nil
}

// bareDQNConsume: list; per element mkdir+lstat locked (lock), lstat
// locked + open/fstat/read/close binary and header + failed open of text
// (get), lstat locked + rename into obsolete/ + unlink binary, header,
// text (ENOENT) + rmdir locked + rmdir (remove).
func bareDQNConsume(path string) (int, error) {
	var st unix.Stat_t
	return eachElement(path, func(dir, e string) error {
		p := dir + "/" + e
		locked := p + "/locked"
		if err := unix.Mkdir(locked, 0o777); err != nil {
			return err
		}
		if err := unix.Lstat(locked, &st); err != nil {
			return err
		}
		for _, f := range []string{"/binary", "/header"} {
			if _, err := read(p + f); err != nil {
				return err
			}
		}
		if _, err := read(p + "/text"); err != unix.ENOENT {
			return fmt.Errorf("text: %v", err)
		}
		if err := unix.Lstat(locked, &st); err != nil {
			return err
		}
		obs := path + "/obsolete/" + e
		if err := unix.Rename(p, obs); err != nil {
			return err
		}
		for _, f := range []string{"/binary", "/header", "/text"} {
			if err := unix.Unlink(obs + f); err != nil && err != unix.ENOENT {
				return err
			}
		}
		if err := unix.Rmdir(obs + "/locked"); err != nil {
			return err
		}
		return unix.Rmdir(obs)
	})
}
