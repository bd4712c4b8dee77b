package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var testSchema = map[string]string{"header": "table", "binary": "binary?", "text": "string*?"}

func newDQN(t *testing.T, opts DQNOptions) *DQN {
	t.Helper()
	if opts.Schema == nil {
		opts.Schema = testSchema
	}
	q, err := NewDQN(filepath.Join(t.TempDir(), "q"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestDQNSchemaValidation(t *testing.T) {
	bad := []map[string]string{
		{"a": "binary?"},               // no mandatory field
		{"a-b": "binary"},              // bad name
		{"a": "blob"},                  // bad type
		{"a": "binary?*?"},             // three flags
		{"a": "string", "b": "table!"}, // bad flag
	}
	for _, s := range bad {
		if _, err := NewDQN(filepath.Join(t.TempDir(), "q"), DQNOptions{Schema: s}); !errors.Is(err, ErrSchema) {
			t.Errorf("schema %v: %v, want ErrSchema", s, err)
		}
	}
	for _, s := range []map[string]string{{"a": "binary?*", "b": "table*"}, {"a": "string*"}, {"x": "table??", "y": "binary"}} {
		if _, err := NewDQN(filepath.Join(t.TempDir(), "q"), DQNOptions{Schema: s}); err != nil {
			t.Errorf("schema %v refused: %v", s, err)
		}
	}
	q, err := NewDQN(filepath.Join(t.TempDir(), "q"), DQNOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add(map[string]any{"a": "b"}); !errors.Is(err, ErrSchema) {
		t.Errorf("Add without schema = %v", err)
	}
}

func TestDQNAddChecksData(t *testing.T) {
	q := newDQN(t, DQNOptions{})
	cases := []map[string]any{
		{"text": "no header"},                                    // mandatory missing
		{"header": map[string]string{}, "extra": "x"},            // unknown field
		{"header": "not a table"},                                // wrong type
		{"header": map[string]any{"k": 1}},                       // non-string table value
		{"header": map[string]string{}, "text": []byte("bytes")}, // string wants string
	}
	for _, c := range cases {
		if _, err := q.Add(c); !errors.Is(err, ErrSchema) {
			t.Errorf("Add(%v) = %v, want ErrSchema", c, err)
		}
	}
	// nothing written for refused data
	ents, _ := os.ReadDir(filepath.Join(q.Path(), temporaryDir))
	if len(ents) != 0 {
		t.Errorf("refused adds left %d temporary elements", len(ents))
	}
}

func TestDQNLifecycle(t *testing.T) {
	q := newDQN(t, DQNOptions{Maxelts: 2, Umask: Opt(os.FileMode(0o002))})
	var names []string
	for i := range 5 {
		n, err := q.Add(map[string]any{
			"header": map[string]string{"i": fmt.Sprint(i), "tab": "a\tb"},
			"binary": []byte{0, byte(i), 0xff},
		})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	// maxelts 2: 00000000 gets 2, then 00000001 ...
	wantIdirs := []string{"00000000", "00000000", "00000001", "00000001", "00000002"}
	for i, n := range names {
		if n[:8] != wantIdirs[i] || !validName(n) {
			t.Errorf("element %d = %s, want in %s", i, n, wantIdirs[i])
		}
	}
	if got := collect(t, q); !slices.Equal(got, names) {
		t.Fatalf("Names = %v, want %v", got, names)
	}
	fi, _ := os.Stat(filepath.Join(q.Path(), names[0], "header"))
	di, _ := os.Stat(filepath.Join(q.Path(), names[0]))
	if fi.Mode().Perm() != 0o664 || di.Mode().Perm() != 0o775 {
		t.Errorf("modes %v %v, want 0664 0775 (umask 002)", fi.Mode().Perm(), di.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(q.Path(), names[0], "text")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("absent optional field written")
	}
	n := names[1]
	if _, err := q.Get(n); !errors.Is(err, ErrNotLocked) {
		t.Errorf("Get unlocked = %v", err)
	}
	if err := q.Remove(n); !errors.Is(err, ErrNotLocked) {
		t.Errorf("Remove unlocked = %v", err)
	}
	if ok, err := q.Lock(n); !ok || err != nil {
		t.Fatalf("Lock = %v %v", ok, err)
	}
	if ok, err := q.Lock(n); ok || err != nil {
		t.Errorf("second Lock = %v %v", ok, err)
	}
	if err := q.LockStrict(n); !errors.Is(err, fs.ErrExist) {
		t.Errorf("LockStrict locked = %v", err)
	}
	got, err := q.Get(n)
	if err != nil {
		t.Fatal(err)
	}
	if h := got["header"].(map[string]string); h["i"] != "1" || h["tab"] != "a\tb" || len(h) != 2 {
		t.Errorf("header = %q", h)
	}
	if b := got["binary"].([]byte); string(b) != "\x00\x01\xff" {
		t.Errorf("binary = %q", b)
	}
	if _, ok := got["text"]; ok || len(got) != 2 {
		t.Errorf("Get = %v", got)
	}
	if c, _ := q.Count(); c != 5 {
		t.Errorf("Count = %d", c)
	}
	if err := q.Remove(n); err != nil {
		t.Fatal(err)
	}
	if ok, err := q.Lock(n); ok || err != nil {
		t.Errorf("Lock removed = %v %v", ok, err)
	}
	if c, _ := q.Count(); c != 4 {
		t.Errorf("Count after remove = %d", c)
	}
	for _, d := range []string{obsoleteDir, temporaryDir} {
		if ents, _ := os.ReadDir(filepath.Join(q.Path(), d)); len(ents) != 0 {
			t.Errorf("%s/ holds %v", d, ents)
		}
	}
	if err := q.Unlock(names[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Unlock unlocked = %v", err)
	}
	for _, bad := range []string{"x", "00000000/../../etc", "0000000/00000000000000a"} {
		if _, err := q.Lock(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Lock(%q) = %v", bad, err)
		}
	}
}

func TestDQNEmptyLastIdirStartsNewOne(t *testing.T) {
	// dirq's _insertion_directory: an empty last directory counts as full.
	q := newDQN(t, DQNOptions{})
	n, _ := q.Add(map[string]any{"header": map[string]string{}})
	q.Lock(n)
	q.Remove(n)
	n2, _ := q.Add(map[string]any{"header": map[string]string{}})
	if n[:8] != "00000000" || n2[:8] != "00000001" {
		t.Errorf("names %s then %s", n, n2)
	}
}

func TestDQNGetCorrupt(t *testing.T) {
	q := newDQN(t, DQNOptions{})
	n1, _ := q.Add(map[string]any{"header": map[string]string{"a": "b"}, "text": "ok"})
	n2, _ := q.Add(map[string]any{"header": map[string]string{"a": "b"}, "text": "ok"})
	n3, _ := q.Add(map[string]any{"header": map[string]string{"a": "b"}})
	os.WriteFile(filepath.Join(q.Path(), n1, "header"), []byte("no tab\n"), 0o644)
	os.WriteFile(filepath.Join(q.Path(), n2, "text"), []byte{0xff}, 0o644)
	os.Remove(filepath.Join(q.Path(), n3, "header"))
	for _, n := range []string{n1, n2, n3} {
		q.Lock(n)
		_, err := q.Get(n)
		ce, ok := IsCorrupt(err)
		if !ok || !errors.Is(err, ErrCorrupt) || ce.Name != n || ce.Path != filepath.Join(q.Path(), n) || !contains(err.Error(), ce.Path) {
			t.Errorf("Get(%s) = %v, want a CorruptError naming the element", n, err)
		}
	}
}

func TestDQNPurge(t *testing.T) {
	q := newDQN(t, DQNOptions{Maxelts: 1})
	old := time.Now().Add(-time.Hour)
	var names []string
	for range 3 {
		n, _ := q.Add(map[string]any{"header": map[string]string{}})
		names = append(names, n)
	}
	// element 0 removed → idir 00000000 empty; element 1 stale-locked
	q.Lock(names[0])
	q.Remove(names[0])
	q.Lock(names[1])
	os.Chtimes(filepath.Join(q.Path(), names[1]), old, old)
	// an old and a young temporary element (add in progress), an old obsolete one
	mk := func(sub, elt string, when time.Time, files ...string) string {
		d := filepath.Join(q.Path(), sub, elt)
		os.Mkdir(d, 0o755)
		for _, f := range files {
			os.WriteFile(filepath.Join(d, f), nil, 0o644)
		}
		os.Chtimes(d, when, when)
		return d
	}
	oldTmp := mk(temporaryDir, "00000000000001", old, "header", "binary")
	youngTmp := mk(temporaryDir, "00000000000002", time.Now(), "header")
	youngEmpty := mk(temporaryDir, "00000000000003", time.Now())
	oldObs := mk(obsoleteDir, "00000000000004", old, "header")
	os.Mkdir(filepath.Join(oldObs, lockedDir), 0o755)
	os.Chtimes(oldObs, old, old)

	if err := q.Purge(DefaultPurge); err != nil {
		t.Fatal(err)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if exists(filepath.Join(q.Path(), "00000000")) {
		t.Error("empty idir kept")
	}
	if !exists(filepath.Join(q.Path(), "00000002")) {
		t.Error("last idir removed")
	}
	if exists(oldTmp) || exists(oldObs) {
		t.Error("stale temporary/obsolete kept")
	}
	// Perl behaviour, not python-dirq's: young entries are left alone.
	if !exists(youngTmp) || !exists(youngEmpty) {
		t.Error("purge touched an add in progress")
	}
	if exists(filepath.Join(q.Path(), names[1], lockedDir)) {
		t.Error("stale lock kept")
	}
	if c, _ := q.Count(); c != 2 {
		t.Errorf("Count = %d", c)
	}
	// a fresh lock survives, and Touch refreshes an old one
	q.Lock(names[2])
	os.Chtimes(filepath.Join(q.Path(), names[2]), old, old)
	q.Touch(names[2])
	q.Purge(DefaultPurge)
	if !exists(filepath.Join(q.Path(), names[2], lockedDir)) {
		t.Error("touched lock purged")
	}
}

func TestDQNRemoveRefusesUnexpectedFile(t *testing.T) {
	q := newDQN(t, DQNOptions{})
	n, _ := q.Add(map[string]any{"header": map[string]string{}})
	os.WriteFile(filepath.Join(q.Path(), n, "not-a-field.txt"), nil, 0o644)
	q.Lock(n)
	err := q.Remove(n)
	if err == nil || !contains(err.Error(), "unexpected file") {
		t.Fatalf("Remove = %v, want unexpected file", err)
	}
	// the element left the queue but stays in obsolete/ for a human
	if c, _ := q.Count(); c != 0 {
		t.Errorf("Count = %d", c)
	}
	if ents, _ := os.ReadDir(filepath.Join(q.Path(), obsoleteDir)); len(ents) != 1 {
		t.Errorf("obsolete/ = %v", ents)
	}
}
