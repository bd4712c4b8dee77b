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
	"unsafe"

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
	var pb [pathBufLen]byte
	return p.createCFile(append(append(pb[:0], path...), 0), data)
}

// createCFile is createFile of a NUL-terminated path.
func (p perms) createCFile(path []byte, data []byte) error {
	fd, err := sysOpen(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, p.file)
	if err != nil {
		return err
	}
	if err := fill(fd, p, data); err != nil {
		sysUnlink(path)
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

// The hot paths (lock, get, remove, add) build their paths NUL-terminated
// in a caller's buffer, usually on the stack, and make the system calls
// directly: the string-taking wrappers of x/sys/unix copy every path to the
// heap, which cost more than half of the allocations per element. Only the
// error paths build strings.

// pathBufLen is the stack buffer for one path; longer paths go to the heap.
const pathBufLen = 256

// atFDCWD is AT_FDCWD as a variable, for the uintptr conversion.
var atFDCWD = unix.AT_FDCWD

// appendCPath appends dir/name+suffix and a terminating NUL.
func appendCPath(b []byte, dir, name, suffix string) []byte {
	b = append(b, dir...)
	b = append(b, '/')
	b = append(b, name...)
	b = append(b, suffix...)
	return append(b, 0)
}

// goPath is a NUL-terminated path as a string, for errors.
func goPath(p []byte) string { return string(p[:len(p)-1]) }

// errnoErr turns a raw errno into an error (nil for 0), keeping the bare
// unix.Errno the callers compare with.
func errnoErr(e unix.Errno) error {
	if e != 0 {
		return e
	}
	return nil
}

// sysLink is link(2) of two NUL-terminated paths.
func sysLink(oldpath, newpath []byte) error {
	_, _, e := unix.Syscall6(unix.SYS_LINKAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&oldpath[0])),
		uintptr(atFDCWD), uintptr(unsafe.Pointer(&newpath[0])), 0, 0)
	return errnoErr(e)
}

// sysUnlink is unlink(2) of a NUL-terminated path.
func sysUnlink(p []byte) error {
	_, _, e := unix.Syscall(unix.SYS_UNLINKAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&p[0])), 0)
	return errnoErr(e)
}

// sysTouch sets the mtime and atime of a NUL-terminated path to now
// (utimensat with no times, which utime(path, None) also makes).
func sysTouch(p []byte) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&p[0])), 0, 0, 0, 0)
	return errnoErr(e)
}

// sysOpen is open(2) of a NUL-terminated path; O_CLOEXEC is always added.
func sysOpen(p []byte, flags int, mode uint32) (int, error) {
	fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&p[0])),
		uintptr(flags|unix.O_CLOEXEC), uintptr(mode), 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// elementBufs recycles the buffers messages are serialised into and
// elements read into before decoding.
var elementBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledBuf: bigger buffers (a rare huge message) are left to the GC
// rather than kept alive in the pool.
const maxPooledBuf = 1 << 20

func getBuf() *[]byte { return elementBufs.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		elementBufs.Put(b)
	}
}

// readShort reads a whole file into buf (reusing its capacity) with no
// fstat: open, read, close. A read that does not fill the buffer is taken
// as the end of the file, which is what a regular file gives; a caller must
// check the result (a JSON document cut short does not parse) and read
// again with readFile before trusting a failure.
func readShort(p []byte, buf []byte) ([]byte, error) {
	fd, err := sysOpen(p, unix.O_RDONLY, 0)
	if err != nil {
		return buf, err
	}
	defer unix.Close(fd)
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf)+4096)
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, err
		}
		buf = buf[:len(buf)+n]
		if len(buf) < cap(buf) {
			return buf, nil
		}
	}
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
