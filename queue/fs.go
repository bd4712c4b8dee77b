package queue

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Filesystem helpers shared by the queue flavours. They call the system
// directly (no os.File) so that the hot paths make exactly the system calls
// dirq makes and nothing else: os.OpenFile would add an epoll registration
// attempt per file.

// Errors callers can test with errors.Is.
var (
	// ErrNotLocked: the operation needs the element locked by the caller.
	ErrNotLocked = errors.New("element not locked")
	// ErrNotSupported: the queue flavour has no such operation (Null).
	ErrNotSupported = errors.New("operation not supported")
	// ErrSchema: data or schema does not match (DQN).
	ErrSchema = errors.New("schema mismatch")
	// ErrInvalidName: not an element name "IDIR/ELT".
	ErrInvalidName = errors.New("invalid element name")
	// ErrCorrupt: an element cannot be decoded; see CorruptError.
	ErrCorrupt = errors.New("corrupt element")
)

// perms holds the modes new directories and files get.
type perms struct {
	dir, file uint32
	chmod     bool // the process umask would clear bits the queue umask keeps
}

var procUmask = sync.OnceValue(readProcUmask)

// readProcUmask reads the process umask without changing it (calling
// umask(2) twice would race with other goroutines creating files).
func readProcUmask() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			if err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// newPerms computes modes for an optional queue umask: without one the
// process umask applies, as in dirq; with one, modes are 0777/0666 minus it,
// fixed up with chmod only when the process umask is stricter.
func newPerms(umask *os.FileMode) perms {
	if umask == nil {
		return perms{dir: 0o777, file: 0o666}
	}
	u := uint32(*umask & 0o777)
	p := perms{dir: 0o777 &^ u, file: 0o666 &^ u}
	pu := procUmask()
	p.chmod = pu < 0 || uint32(pu)&^u != 0
	return p
}

// pathErr wraps a system call failure with the operation and path.
func pathErr(op, path string, err error) error {
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// mkdir creates one directory, reporting false when it already exists as a
// directory (dirq's _special_mkdir, non-recursive).
func (p perms) mkdir(path string) (bool, error) {
	err := unix.Mkdir(path, p.dir)
	if err == nil {
		if p.chmod {
			if err := unix.Chmod(path, p.dir); err != nil {
				return true, pathErr("chmod", path, err)
			}
		}
		return true, nil
	}
	if err == unix.EEXIST || err == unix.EISDIR {
		var st unix.Stat_t
		if unix.Stat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return false, nil
		}
	}
	return false, pathErr("mkdir", path, err)
}

// mkdirAll creates path and its missing parents with the queue modes.
func (p perms) mkdirAll(path string) error {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err == nil {
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return pathErr("mkdir", path, syscall.ENOTDIR)
		}
		return nil
	}
	if i := strings.LastIndexByte(strings.TrimRight(path, "/"), '/'); i > 0 {
		if err := p.mkdirAll(path[:i]); err != nil {
			return err
		}
	}
	_, err := p.mkdir(path)
	return err
}

// createFile writes data to a new file, failing if it exists (O_EXCL), and
// returns the raw errno for the callers' retry logic. A file it created but
// could not fill (ENOSPC...) is removed.
func (p perms) createFile(path string, data []byte) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, p.file)
	if err != nil {
		return err
	}
	if err := fill(fd, p, data); err != nil {
		unix.Unlink(path)
		return err
	}
	return nil
}

func fill(fd int, p perms, data []byte) error {
	if p.chmod {
		if err := unix.Fchmod(fd, p.file); err != nil {
			unix.Close(fd)
			return err
		}
	}
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return err
		}
		data = data[n:]
	}
	return unix.Close(fd)
}

// readFile reads a whole file: open, fstat for the size, read, close.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	// Elements never change once in place, so reading the size fstat gave
	// is enough: one read for the whole file, no read to see end of file.
	buf := make([]byte, st.Size)
	for off := 0; off < len(buf); {
		n, err := unix.Read(fd, buf[off:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf[:off], nil // truncated meanwhile
		}
		off += n
	}
	return buf, nil
}

// listDir calls fn for every entry of dir except "." and "..", reading the
// directory with getdents(2) in 8 KiB batches: nothing is held in memory
// beyond one batch, and no string is built for names the caller skips.
// name is only valid during the call.
func listDir(dir string, fn func(name []byte)) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return pathErr("open", dir, err)
	}
	defer unix.Close(fd)
	buf := direntPool.Get().(*[]byte)
	defer direntPool.Put(buf)
	for {
		n, err := unix.Getdents(fd, *buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return pathErr("getdents", dir, err)
		}
		if n <= 0 {
			return nil
		}
		parseDirents((*buf)[:n], fn)
	}
}

var direntPool = sync.Pool{New: func() any { b := make([]byte, 8192); return &b }}

// parseDirents walks linux_dirent64 records: ino(8) off(8) reclen(2)
// type(1) name (NUL-terminated).
func parseDirents(b []byte, fn func(name []byte)) {
	for len(b) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < 19 || reclen > len(b) {
			return
		}
		name := b[19:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if !(len(name) == 1 && name[0] == '.') && !(len(name) == 2 && name[0] == '.' && name[1] == '.') {
			fn(name)
		}
		b = b[reclen:]
	}
}

// isNotExist reports an ENOENT, bare or wrapped.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// listIdirs returns the sorted intermediate directories of a queue.
func listIdirs(path string) ([]string, error) {
	var idirs []string
	err := listDir(path, func(n []byte) {
		if isIdir(n) {
			idirs = append(idirs, string(n))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", path, err)
	}
	slices.Sort(idirs)
	return idirs, nil
}

// listElts returns the sorted element numbers of one intermediate
// directory (8 bytes each instead of a string); a vanished directory is
// empty (a purge race).
func listElts(dir string) ([]uint64, error) {
	var elts []uint64
	err := listDir(dir, func(n []byte) {
		if v, ok := parseHex(n, eltLen); ok {
			elts = append(elts, v)
		}
	})
	if err != nil && !isNotExist(err) {
		return nil, err
	}
	slices.Sort(elts)
	return elts, nil
}

// names is the Names iteration shared by DQS and DQN: idirs are listed once,
// each idir's elements when reached.
func names(path string) func(yield func(string, error) bool) {
	return func(yield func(string, error) bool) {
		idirs, err := listIdirs(path)
		if err != nil {
			yield("", err)
			return
		}
		for _, idir := range idirs {
			elts, err := listElts(path + "/" + idir)
			if err != nil {
				if !yield("", fmt.Errorf("queue %s: %w", path, err)) {
					return
				}
				continue
			}
			for _, e := range elts {
				if !yield(eltString(idir, e), nil) {
					return
				}
			}
		}
	}
}

// queueID identifies a queue directory by device and inode, as dirq's id.
func queueID(path string) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "", fmt.Errorf("queue %s: %w", path, pathErr("stat", path, err))
	}
	return strconv.FormatUint(st.Dev, 10) + ":" + strconv.FormatUint(st.Ino, 10), nil
}
