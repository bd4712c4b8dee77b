package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func newDQS(t *testing.T, opts DQSOptions) *DQS {
	t.Helper()
	q, err := NewDQS(filepath.Join(t.TempDir(), "q"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestDQSLayout(t *testing.T) {
	q := newDQS(t, DQSOptions{Umask: Opt(os.FileMode(0o027)), Rndhex: Opt(0x1b), Granularity: 60})
	before := time.Now().Unix()
	name, err := q.Add([]byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Unix()
	m := regexp.MustCompile(`^([0-9a-f]{8})/([0-9a-f]{8})[0-9a-f]{5}b$`).FindStringSubmatch(name)
	if m == nil {
		t.Fatalf("name %q: want IDIR/14-hex ending in rndhex b", name)
	}
	idir, _ := strconv.ParseInt(m[1], 16, 64)
	secs, _ := strconv.ParseInt(m[2], 16, 64)
	if idir%60 != 0 || idir > secs || secs-idir >= 60 || secs < before || secs > after {
		t.Errorf("name %q: idir %d / seconds %d not in [%d,%d] rounded to 60", name, idir, secs, before, after)
	}
	// Only the element file: no temporary left, no other directory.
	ents, _ := os.ReadDir(filepath.Join(q.Path(), m[1]))
	if len(ents) != 1 || ents[0].Name() != filepath.Base(name) {
		t.Errorf("idir holds %v", ents)
	}
	top, _ := os.ReadDir(q.Path())
	if len(top) != 1 {
		t.Errorf("queue holds %v", top)
	}
	fi, _ := os.Stat(filepath.Join(q.Path(), name))
	di, _ := os.Stat(filepath.Join(q.Path(), m[1]))
	if fi.Mode().Perm() != 0o640 || di.Mode().Perm() != 0o750 {
		t.Errorf("modes file %v dir %v, want 0640 0750 with umask 027", fi.Mode().Perm(), di.Mode().Perm())
	}
	if b, _ := os.ReadFile(filepath.Join(q.Path(), name)); string(b) != "payload" {
		t.Errorf("element file = %q", b)
	}
}

func TestDQSGranularityOne(t *testing.T) {
	q := newDQS(t, DQSOptions{Granularity: 1})
	name, err := q.Add(nil)
	if err != nil {
		t.Fatal(err)
	}
	if name[:8] != name[9:17] {
		t.Errorf("granularity 1: idir %s differs from the element's seconds %s", name[:8], name[9:17])
	}
}

func TestDQSLifecycle(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	var names []string
	for i := range 5 {
		n, err := q.Add([]byte(fmt.Sprint("m", i)))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if got := collect(t, q); fmt.Sprint(got) != fmt.Sprint(names) {
		t.Fatalf("Names = %v, want insertion order %v", got, names)
	}
	n0 := names[0]
	if ok, err := q.Lock(n0); !ok || err != nil {
		t.Fatalf("Lock = %v, %v", ok, err)
	}
	a, _ := os.Stat(filepath.Join(q.Path(), n0))
	l, _ := os.Stat(q.GetPath(n0))
	if !os.SameFile(a, l) || a.Sys().(*syscall.Stat_t).Nlink != 2 {
		t.Error("lock is not a hard link to the element")
	}
	if ok, err := q.Lock(n0); ok || err != nil {
		t.Errorf("second Lock = %v, %v; want false", ok, err)
	}
	if err := q.LockStrict(n0); !errors.Is(err, fs.ErrExist) || !contains(err.Error(), q.Path()) {
		t.Errorf("LockStrict on locked = %v, want ErrExist naming the queue", err)
	}
	if b, err := q.Get(n0); err != nil || string(b) != "m0" {
		t.Errorf("Get = %q, %v", b, err)
	}
	if c, _ := q.Count(); c != 5 {
		t.Errorf("Count with a lock = %d, want 5", c)
	}
	if err := q.Unlock(n0); err != nil {
		t.Fatal(err)
	}
	if err := q.Unlock(n0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Unlock unlocked = %v", err)
	}
	if ok, err := q.UnlockPermissive(n0); ok || err != nil {
		t.Errorf("UnlockPermissive unlocked = %v, %v", ok, err)
	}
	if _, err := q.Get(n0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get unlocked = %v, want ErrNotExist", err)
	}
	for _, n := range names[:3] {
		if ok, _ := q.Lock(n); !ok {
			t.Fatal("lock failed")
		}
		if err := q.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := q.Lock(names[0]); ok || err != nil {
		t.Errorf("Lock removed = %v, %v; want false", ok, err)
	}
	if err := q.LockStrict(names[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LockStrict removed = %v, want ErrNotExist", err)
	}
	if err := q.Remove(names[3]); !errors.Is(err, ErrNotLocked) {
		t.Errorf("Remove unlocked = %v, want ErrNotLocked", err)
	}
	if c, _ := q.Count(); c != 1 {
		t.Errorf("Count = %d, want 1", c)
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && regexp.MustCompile(regexp.QuoteMeta(sub)).MatchString(s)
}

func TestDQSAddPath(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	src := filepath.Join(q.Path(), "incoming")
	if err := os.WriteFile(src, []byte("from a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	name, err := q.AddPath(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Error("AddPath left the source file")
	}
	q.Lock(name)
	if b, err := q.Get(name); err != nil || string(b) != "from a file" {
		t.Errorf("Get = %q, %v", b, err)
	}
}

func TestDQSPurge(t *testing.T) {
	q := newDQS(t, DQSOptions{Granularity: 1})
	old := time.Now().Add(-time.Hour)
	// an old idir with one stale temporary and one stale lock
	oldDir := filepath.Join(q.Path(), fmt.Sprintf("%08x", old.Unix()))
	os.Mkdir(oldDir, 0o755)
	oldTmp := filepath.Join(oldDir, "00000000000000.tmp")
	oldElt := filepath.Join(oldDir, "00000000000001")
	os.WriteFile(oldTmp, nil, 0o644)
	os.WriteFile(oldElt, nil, 0o644)
	os.Link(oldElt, oldElt+".lck")
	for _, p := range []string{oldTmp, oldElt} {
		os.Chtimes(p, old, old)
	}
	// an empty old idir, and the current one with a young temporary
	emptyDir := filepath.Join(q.Path(), fmt.Sprintf("%08x", old.Unix()+1))
	os.Mkdir(emptyDir, 0o755)
	name, _ := q.Add([]byte("x"))
	youngTmp := filepath.Join(q.Path(), name+".tmp")
	os.WriteFile(youngTmp, nil, 0o644)

	if err := q.Purge(PurgeOptions{}); err != nil { // zero: only empty idirs
		t.Fatal(err)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if exists(emptyDir) || !exists(oldTmp) || !exists(oldElt+".lck") {
		t.Fatalf("Purge{} : emptyDir %v oldTmp %v lock %v", exists(emptyDir), exists(oldTmp), exists(oldElt+".lck"))
	}
	if err := q.Purge(DefaultPurge); err != nil {
		t.Fatal(err)
	}
	if exists(oldTmp) || exists(oldElt+".lck") || !exists(oldElt) || !exists(youngTmp) {
		t.Errorf("Purge: oldTmp %v lock %v elt %v youngTmp %v", exists(oldTmp), exists(oldElt+".lck"), exists(oldElt), exists(youngTmp))
	}
	// the unlocked old element is back in service
	if ok, _ := q.Lock(filepath.Base(oldDir) + "/00000000000001"); !ok {
		t.Error("stale lock not released")
	}
}

func TestDQSTouchKeepsLock(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	name, _ := q.Add([]byte("x"))
	q.Lock(name)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(q.Path(), name), old, old)
	if err := q.Touch(name); err != nil {
		t.Fatal(err)
	}
	if err := q.Purge(PurgeOptions{MaxLock: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(q.GetPath(name)); err != nil {
		t.Errorf("touched lock was purged: %v", err)
	}
}

func TestDQSIgnoresStrays(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	name, _ := q.Add([]byte("x"))
	idir := filepath.Join(q.Path(), name[:8])
	for _, p := range []string{
		filepath.Join(q.Path(), "ABCDEF01"), filepath.Join(q.Path(), ".hidden"),
		filepath.Join(idir, "0123456789ABCD"), filepath.Join(idir, "0123456789abc"),
		filepath.Join(idir, "0123456789abcd.tmp"),
	} {
		os.WriteFile(p, nil, 0o644)
	}
	if got := collect(t, q); len(got) != 1 || got[0] != name {
		t.Errorf("Names = %v, want only %s", got, name)
	}
	if n, _ := q.Count(); n != 1 {
		t.Errorf("Count = %d", n)
	}
}

func TestDQSNamesToleratesVanishedIdir(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	for _, d := range []string{"00000001", "00000002"} {
		os.Mkdir(filepath.Join(q.Path(), d), 0o755)
		os.WriteFile(filepath.Join(q.Path(), d, "0000000000000a"), nil, 0o644)
	}
	next, stop := iter.Pull2(q.Names())
	defer stop()
	first, err, ok := next()
	if !ok || err != nil || first != "00000001/0000000000000a" {
		t.Fatalf("first = %q, %v, %v", first, err, ok)
	}
	// purged by another process after the idirs were listed
	os.RemoveAll(filepath.Join(q.Path(), "00000002"))
	if n, err, ok := next(); ok {
		t.Errorf("after the idir vanished: %q, %v; want the end", n, err)
	}
}

func TestNewDQSErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := NewDQS(f, DQSOptions{}); err == nil || !contains(err.Error(), f) {
		t.Errorf("NewDQS on a file = %v, want an error naming it", err)
	}
	if _, err := NewDQS(filepath.Join(t.TempDir(), "q"), DQSOptions{Granularity: -1}); err == nil {
		t.Error("negative granularity accepted")
	}
}

func TestDQSRejectsBadNames(t *testing.T) {
	q := newDQS(t, DQSOptions{})
	for _, bad := range []string{"../../etc/passwd", "6b069c88/6B069CB9E96067", "6b069c88", ""} {
		if _, err := q.Lock(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Lock(%q) = %v", bad, err)
		}
		if err := q.Remove(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Remove(%q) = %v", bad, err)
		}
		if _, err := q.Get(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Get(%q) = %v", bad, err)
		}
	}
}
