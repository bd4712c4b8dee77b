package queue

import (
	"fmt"
	"iter"
	"os"
	"regexp"
	"slices"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// DQN is dirq's Queue (Perl Directory::Queue::Normal): each element is a
// directory holding one file per field of a schema. Elements are built in
// temporary/ and renamed into place, locked by creating a "locked"
// sub-directory and removed through obsolete/, so readers never see a
// partial element. Intermediate directories are counters (00000000,
// 00000001, ...) holding at most Maxelts elements each. Byte-compatible with
// python-dirq's Queue and Perl's Directory::Queue::Normal.
//
// Count follows Perl: it counts the elements of the intermediate
// directories only. python-dirq's count() also adds the elements of
// temporary/ and obsolete/ (and of any other top-level directory), which is
// a bug there, not a format property.
type DQN struct {
	dir
	perm    perms
	rndhex  byte
	maxelts int
	schema  []field // sorted by name; nil when none was given
}

// DQNOptions configures NewDQN.
type DQNOptions struct {
	// Schema maps field names ([0-9a-zA-Z]+, the file names inside an
	// element) to "binary", "string" or "table", optionally followed by
	// "?" (optional field) and/or "*" (Perl's by-reference, accepted and
	// ignored). At least one field must be mandatory. Without a schema the
	// queue can be iterated, locked, counted and purged, but Add and Get fail.
	Schema map[string]string
	// Maxelts is the number of elements per intermediate directory
	// (default 16000).
	Maxelts int
	// Umask for created files and directories; nil uses the process umask.
	Umask *os.FileMode
	// Rndhex is the last digit of element names (modulo 16); nil picks a
	// random one.
	Rndhex *int
}

// MessagingSchema is python-messaging's DQN schema, used by AddMessage and
// GetMessage.
var MessagingSchema = map[string]string{"header": "table", "binary": "binary?", "text": "string?"}

type fieldType uint8

const (
	fieldBinary fieldType = iota
	fieldString
	fieldTable
)

type field struct {
	name     string
	typ      fieldType
	optional bool
}

var (
	fileRE = regexp.MustCompile(`^[0-9a-zA-Z]+$`)
	typeRE = regexp.MustCompile(`^(binary|string|table)([?*]{0,2})$`)
)

const (
	temporaryDir = "temporary"
	obsoleteDir  = "obsolete"
	lockedDir    = "locked"
)

func parseSchema(s map[string]string) ([]field, error) {
	if s == nil {
		return nil, nil
	}
	fields := make([]field, 0, len(s))
	mandatory := false
	for name, spec := range s {
		if !fileRE.MatchString(name) {
			return nil, fmt.Errorf("%w: invalid schema name %q", ErrSchema, name)
		}
		m := typeRE.FindStringSubmatch(spec)
		if m == nil {
			return nil, fmt.Errorf("%w: invalid schema type for %s: %q", ErrSchema, name, spec)
		}
		f := field{name: name}
		switch m[1] {
		case "string":
			f.typ = fieldString
		case "table":
			f.typ = fieldTable
		}
		for _, c := range m[2] {
			if c == '?' {
				f.optional = true
			}
		}
		mandatory = mandatory || !f.optional
		fields = append(fields, f)
	}
	if !mandatory {
		return nil, fmt.Errorf("%w: invalid schema: no mandatory data", ErrSchema)
	}
	slices.SortFunc(fields, func(a, b field) int { return cmpString(a.name, b.name) })
	return fields, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewDQN opens the queue at path, creating it (with temporary/ and
// obsolete/) if needed.
func NewDQN(path string, opts DQNOptions) (*DQN, error) {
	if path == "" {
		return nil, fmt.Errorf("queue: empty path")
	}
	schema, err := parseSchema(opts.Schema)
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", path, err)
	}
	if opts.Maxelts < 0 {
		return nil, fmt.Errorf("queue %s: negative maxelts %d", path, opts.Maxelts)
	}
	if opts.Maxelts == 0 {
		opts.Maxelts = 16000
	}
	q := &DQN{dir: dir{path}, perm: newPerms(opts.Umask), rndhex: pickRndhex(opts.Rndhex),
		maxelts: opts.Maxelts, schema: schema}
	for _, d := range []string{path, path + "/" + temporaryDir, path + "/" + obsoleteDir} {
		if err := q.perm.mkdirAll(d); err != nil {
			return nil, q.wrap(err)
		}
	}
	return q, nil
}

// Path is the queue directory.
func (q *DQN) Path() string { return q.path }

func (q *DQN) needSchema() error {
	if q.schema == nil {
		return q.wrap(fmt.Errorf("%w: unknown schema", ErrSchema))
	}
	return nil
}

// encodeField returns the file contents for a field value: binary accepts
// []byte or string, string accepts string, table accepts map[string]string
// (or map[string]any holding only strings).
func encodeField(f field, v any) ([]byte, error) {
	switch f.typ {
	case fieldBinary:
		switch b := v.(type) {
		case []byte:
			return b, nil
		case string:
			return []byte(b), nil
		}
	case fieldString:
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
	case fieldTable:
		switch t := v.(type) {
		case map[string]string:
			return FormatTable(t), nil
		case map[string]any:
			m := make(map[string]string, len(t))
			for k, x := range t {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("%w: table %s: value of %q is %T, not a string", ErrSchema, f.name, k, x)
				}
				m[k] = s
			}
			return FormatTable(m), nil
		}
	}
	return nil, fmt.Errorf("%w: unexpected %T for field %s", ErrSchema, v, f.name)
}

// Add stores a new element and returns its name. data maps schema field
// names to values ([]byte for binary, string for string, map[string]string
// for table); mandatory fields must be present, unknown ones are refused
// (checked before anything is written).
func (q *DQN) Add(data map[string]any) (string, error) {
	if err := q.needSchema(); err != nil {
		return "", err
	}
	files := make([][]byte, len(q.schema))
	for i, f := range q.schema {
		v, ok := data[f.name]
		if !ok || v == nil {
			if !f.optional {
				return "", q.wrap(fmt.Errorf("%w: missing mandatory data: %s", ErrSchema, f.name))
			}
			continue
		}
		b, err := encodeField(f, v)
		if err != nil {
			return "", q.wrap(err)
		}
		if b == nil {
			b = []byte{}
		}
		files[i] = b
	}
	for k := range data {
		if !slices.ContainsFunc(q.schema, func(f field) bool { return f.name == k }) {
			return "", q.wrap(fmt.Errorf("%w: unexpected data: %s", ErrSchema, k))
		}
	}
	return q.addFiles(files)
}

// addFiles builds the element in temporary/ (files[i] for schema field i,
// nil = absent) and renames it into the insertion directory.
func (q *DQN) addFiles(files [][]byte) (string, error) {
	buf := make([]byte, 0, len(q.path)+64)
	buf = append(buf, q.path...)
	buf = append(buf, "/"+temporaryDir+"/"...)
	base := len(buf)
	var temp string
	for {
		temp = string(appendName(buf[:base], q.rndhex))
		created, err := q.perm.mkdir(temp)
		if err != nil {
			return "", q.wrap(err)
		}
		if created {
			break
		}
	}
	for i, f := range q.schema {
		if files[i] == nil {
			continue
		}
		p := temp + "/" + f.name
		if err := q.perm.createFile(p, files[i]); err != nil {
			q.destroy(temp) // best effort; purge reaps what is left
			return "", q.wrap(pathErr("create", p, err))
		}
	}
	for tries := 0; ; tries++ {
		idir, err := q.insertionDir()
		if err != nil {
			return "", err
		}
		b := append(buf[:0], q.path...)
		b = append(b, '/')
		at := len(b)
		b = append(b, idir...)
		b = append(b, '/')
		final := string(appendName(b, q.rndhex))
		err = unix.Rename(temp, final)
		if err == nil {
			return final[at:], nil
		}
		// Target taken (retry with a new name), or the directory purged
		// meanwhile (retry with a new insertion directory).
		if err == unix.ENOTEMPTY || err == unix.EEXIST || (err == unix.ENOENT && tries < 10) {
			continue
		}
		return "", q.wrap(pathErr("rename", temp, err))
	}
}

// subdirs counts the sub-directories of dir from its link count, or by
// listing it on filesystems (btrfs) whose directory link count is not
// 2 + sub-directories. A vanished directory has none.
func subdirs(dir string) (int, error) {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		if err == unix.ENOENT {
			return 0, nil
		}
		return 0, pathErr("stat", dir, err)
	}
	if st.Nlink >= 2 {
		return int(st.Nlink) - 2, nil
	}
	n := 0
	err := listDir(dir, func([]byte) { n++ })
	if err != nil && !isNotExist(err) {
		return 0, err
	}
	return n, nil
}

// insertionDir returns the intermediate directory for a new element: the
// highest one if it holds between 1 and maxelts-1 elements, else a new one
// numbered one higher (dirq's _insertion_directory).
func (q *DQN) insertionDir() (string, error) {
	var last uint64
	found := false
	err := listDir(q.path, func(n []byte) {
		if v, ok := parseHex(n, idirLen); ok && (!found || v > last) {
			last, found = v, true
		}
	})
	if err != nil {
		return "", q.wrap(err)
	}
	next := uint64(0)
	if found {
		name := string(appendHex(nil, last, idirLen))
		n, err := subdirs(q.path + "/" + name)
		if err != nil {
			return "", q.wrap(err)
		}
		if n > 0 && n < q.maxelts {
			return name, nil
		}
		next = last + 1
	}
	name := string(appendHex(nil, next, idirLen))
	if _, err := q.perm.mkdir(q.path + "/" + name); err != nil {
		return "", q.wrap(err)
	}
	return name, nil
}

// Lock takes the element by creating its "locked" sub-directory. It
// reports false when the element is already locked or is gone (dirq's
// permissive mode).
func (q *DQN) Lock(name string) (bool, error) { return q.lock(name, true) }

// LockStrict is Lock in dirq's non-permissive mode: an element already
// locked or gone is an error (wrapping fs.ErrExist or fs.ErrNotExist).
func (q *DQN) LockStrict(name string) error {
	_, err := q.lock(name, false)
	return err
}

func (q *DQN) lock(name string, permissive bool) (bool, error) {
	if err := q.checkName(name); err != nil {
		return false, err
	}
	p := q.path + "/" + name + "/" + lockedDir
	err := unix.Mkdir(p, q.perm.dir)
	if err == nil && q.perm.chmod {
		err = unix.Chmod(p, q.perm.dir)
	}
	if err == nil {
		// As dirq: make sure the lock is really there (the element may
		// have been locked and removed by another process meanwhile).
		var st unix.Stat_t
		err = unix.Lstat(p, &st)
	}
	if err != nil {
		if permissive && (err == unix.EEXIST || err == unix.ENOENT) {
			return false, nil
		}
		return false, q.wrap(pathErr("mkdir", p, err))
	}
	return true, nil
}

// Unlock releases the lock; an element that is not locked is an error.
func (q *DQN) Unlock(name string) error {
	_, err := q.unlock(name, false)
	return err
}

// UnlockPermissive releases the lock and reports false, without error,
// when there was none.
func (q *DQN) UnlockPermissive(name string) (bool, error) { return q.unlock(name, true) }

func (q *DQN) unlock(name string, permissive bool) (bool, error) {
	if err := q.checkName(name); err != nil {
		return false, err
	}
	p := q.path + "/" + name + "/" + lockedDir
	if err := unix.Rmdir(p); err != nil {
		if permissive && err == unix.ENOENT {
			return false, nil
		}
		return false, q.wrap(pathErr("rmdir", p, err))
	}
	return true, nil
}

// checkLocked fails with ErrNotLocked unless the element is locked.
func (q *DQN) checkLocked(name string) error {
	if err := q.checkName(name); err != nil {
		return err
	}
	var st unix.Stat_t
	p := q.path + "/" + name + "/" + lockedDir
	if err := unix.Lstat(p, &st); err != nil {
		if err == unix.ENOENT {
			return q.wrap(fmt.Errorf("%s: %w", name, ErrNotLocked))
		}
		return q.wrap(pathErr("lstat", p, err))
	}
	return nil
}

// Get reads a locked element: binary fields as []byte, string fields as
// string, table fields as map[string]string; absent optional fields are
// left out and extra files ignored. A missing mandatory field, invalid UTF-8
// text or an unparsable table is a *CorruptError naming the element.
func (q *DQN) Get(name string) (map[string]any, error) {
	if err := q.needSchema(); err != nil {
		return nil, err
	}
	if err := q.checkLocked(name); err != nil {
		return nil, err
	}
	dir := q.path + "/" + name + "/"
	out := make(map[string]any, len(q.schema))
	for _, f := range q.schema {
		p := dir + f.name
		b, err := readFile(p)
		if err != nil {
			if err == unix.ENOENT {
				if f.optional {
					continue
				}
				return nil, q.corrupt(name, fmt.Errorf("%w: missing mandatory data: %s", ErrSchema, f.name))
			}
			return nil, q.wrap(pathErr("read", p, err))
		}
		switch f.typ {
		case fieldBinary:
			out[f.name] = b
		case fieldString:
			if !utf8.Valid(b) {
				return nil, q.corrupt(name, fmt.Errorf("%w: field %s is not valid UTF-8", ErrSchema, f.name))
			}
			out[f.name] = string(b)
		case fieldTable:
			t, err := ParseTable(b)
			if err != nil {
				return nil, q.corrupt(name, fmt.Errorf("field %s: %w", f.name, err))
			}
			out[f.name] = t
		}
	}
	return out, nil
}

// Remove deletes a locked element: it is renamed into obsolete/ (at once
// invisible to everybody), then its files and directories are removed.
func (q *DQN) Remove(name string) error {
	if err := q.checkLocked(name); err != nil {
		return err
	}
	src := q.path + "/" + name
	buf := make([]byte, 0, len(q.path)+40)
	buf = append(buf, q.path...)
	buf = append(buf, "/"+obsoleteDir+"/"...)
	base := len(buf)
	var dst string
	for {
		dst = string(appendName(buf[:base], q.rndhex))
		err := unix.Rename(src, dst)
		if err == nil {
			break
		}
		if err != unix.ENOTEMPTY && err != unix.EEXIST {
			return q.wrap(pathErr("rename", src, err))
		}
	}
	if err := q.destroy(dst); err != nil {
		return q.wrap(err)
	}
	return nil
}

// destroy deletes an element directory outside the idirs (in obsolete/ or
// temporary/): the schema files first (no listing needed in the common
// case), then whatever else is there, refusing files an element cannot hold
// (dirq's "unexpected file": the directory is left for a human).
func (q *DQN) destroy(dir string) error {
	for _, f := range q.schema {
		if err := unix.Unlink(dir + "/" + f.name); err != nil && err != unix.ENOENT {
			return pathErr("unlink", dir+"/"+f.name, err)
		}
	}
	for tries := 0; ; tries++ {
		if err := unix.Rmdir(dir + "/" + lockedDir); err != nil && err != unix.ENOENT {
			return pathErr("rmdir", dir+"/"+lockedDir, err)
		}
		err := unix.Rmdir(dir)
		if err == nil || err == unix.ENOENT {
			return nil
		}
		if (err != unix.ENOTEMPTY && err != unix.EEXIST) || tries > 3 {
			return pathErr("rmdir", dir, err)
		}
		if err := removeFiles(dir); err != nil {
			return err
		}
	}
}

// removeFiles unlinks the data files of an element directory, keeping
// "locked".
func removeFiles(dir string) error {
	var names []string
	err := listDir(dir, func(n []byte) {
		if string(n) != lockedDir {
			names = append(names, string(n))
		}
	})
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return err
	}
	for _, n := range names {
		if !fileRE.MatchString(n) {
			return fmt.Errorf("unexpected file in %s: %s", dir, n)
		}
		if err := unix.Unlink(dir + "/" + n); err != nil && err != unix.ENOENT {
			return pathErr("unlink", dir+"/"+n, err)
		}
	}
	return nil
}

// Touch sets the element directory's mtime to now, refreshing its lock's
// age.
func (q *DQN) Touch(name string) error { return q.touch(name) }

// Names yields element names in queue order, listing one intermediate
// directory at a time.
func (q *DQN) Names() iter.Seq2[string, error] { return names(q.path) }

// Count returns the number of elements in the intermediate directories,
// locked or not (Perl's count; see the type's comment for python's).
func (q *DQN) Count() (int, error) { return q.count(subdirs) }

// AddMessage stores m with python-messaging's mapping (see MessageToDQN);
// the queue must have MessagingSchema (Open("dqn", path) gives it).
func (q *DQN) AddMessage(m *Message) (string, error) {
	return q.Add(MessageToDQN(m))
}

// GetMessage reads a locked element as a message. An element that does not
// decode is a *CorruptError naming its path, for Quarantine.
func (q *DQN) GetMessage(name string) (*Message, error) {
	e, err := q.Get(name)
	if err != nil {
		return nil, err
	}
	m, err := MessageFromDQN(e)
	if err != nil {
		return nil, q.corrupt(name, err)
	}
	return m, nil
}
