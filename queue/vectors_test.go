package queue

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/testutil"
)

// The dirq vectors were written by the real python-dirq 1.8; see
// testdata/dirq/README.md.

type vectorFile struct {
	Len    int    `json:"len"`
	SHA256 string `json:"sha256"`
	B64    string `json:"b64"`
	Type   string `json:"type"`
	Value  any    `json:"value"`
}

type vectorElement struct {
	Label string                `json:"label"`
	Name  string                `json:"name"`
	State string                `json:"state"`
	Data  *vectorFile           `json:"data"`
	Files map[string]vectorFile `json:"files"`
}

type vectorQueue struct {
	Path           string            `json:"path"`
	Count          int               `json:"count"`
	IterationOrder []string          `json:"iteration_order"`
	Elements       []vectorElement   `json:"elements"`
	Schema         map[string]string `json:"schema"`
	Maxelts        int               `json:"maxelts"`
	Rndhex         int               `json:"rndhex"`
	Granularity    int               `json:"granularity"`
}

func loadVectors(t *testing.T) (dir string, m map[string]vectorQueue) {
	t.Helper()
	b, err := os.ReadFile("testdata/dirq/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ DQS, DQN vectorQueue }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	m = map[string]vectorQueue{"dqs": v.DQS, "dqn": v.DQN}
	dir = t.TempDir()
	testutil.ExtractTarGz(t, "testdata/dirq/queues.tar.gz", dir)
	return dir, m
}

// check compares data with a manifest entry: length, sha256 and, when
// given, the exact bytes.
func (f vectorFile) check(t *testing.T, what string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	if len(data) != f.Len || hex.EncodeToString(sum[:]) != f.SHA256 {
		t.Errorf("%s: %d bytes sha256 %x, want %d bytes sha256 %s", what, len(data), sum, f.Len, f.SHA256)
	}
	if f.B64 != "" || f.Len == 0 {
		want, err := base64.StdEncoding.DecodeString(f.B64)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s = %q, want %q", what, data, want)
		}
	}
}

func collect(t *testing.T, q Queue) []string {
	t.Helper()
	var got []string
	for n, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	return got
}

func TestVectorsDQS(t *testing.T) {
	dir, m := loadVectors(t)
	v := m["dqs"]
	q, err := NewDQS(filepath.Join(dir, v.Path), DQSOptions{Granularity: v.Granularity, Rndhex: Opt(v.Rndhex)})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, q); !slices.Equal(got, v.IterationOrder) {
		t.Fatalf("Names = %v, want %v", got, v.IterationOrder)
	}
	if n, err := q.Count(); err != nil || n != v.Count {
		t.Fatalf("Count = %d, %v; want %d", n, err, v.Count)
	}
	var lockedName, tmpName string
	for _, e := range v.Elements {
		switch e.State {
		case "temporary":
			tmpName = e.Name
			b, err := os.ReadFile(filepath.Join(q.Path(), e.Name))
			if err != nil {
				t.Fatal(err)
			}
			e.Data.check(t, e.Label, b)
			continue
		case "locked":
			lockedName = e.Name
			if ok, err := q.Lock(e.Name); ok || err != nil {
				t.Errorf("Lock(%s) of a python-locked element = %v, %v; want false", e.Label, ok, err)
			}
			if err := q.LockStrict(e.Name); !errors.Is(err, fs.ErrExist) {
				t.Errorf("LockStrict(%s) = %v, want ErrExist", e.Label, err)
			}
		case "ready":
			if _, err := q.Get(e.Name); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Get(%s) unlocked = %v, want ErrNotExist (dirq reads the .lck)", e.Label, err)
			}
			if ok, err := q.Lock(e.Name); !ok || err != nil {
				t.Fatalf("Lock(%s) = %v, %v", e.Label, ok, err)
			}
		}
		b, err := q.Get(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		e.Data.check(t, e.Label, b)
	}
	if lockedName == "" || tmpName == "" {
		t.Fatal("manifest lacks the locked or temporary element")
	}
	// Generation-time mtimes are old: purge with 1 s limits reaps the .tmp
	// and unlocks the python-locked element, whose data stays.
	old := time.Now().Add(-time.Hour)
	lck := filepath.Join(q.Path(), lockedName)
	if err := os.Chtimes(lck, old, old); err != nil {
		t.Fatal(err)
	}
	if err := q.Purge(PurgeOptions{MaxTemp: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(q.Path(), tmpName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("purge left %s: %v", tmpName, err)
	}
	if _, err := os.Stat(lck + ".lck"); err != nil {
		t.Errorf("purge with MaxLock 0 unlocked %s: %v", lockedName, err)
	}
	if err := q.Purge(PurgeOptions{MaxLock: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lck + ".lck"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("purge kept the stale lock of %s: %v", lockedName, err)
	}
	if _, err := os.Stat(lck); err != nil {
		t.Errorf("purge removed the data of %s: %v", lockedName, err)
	}
	if n, err := q.Count(); err != nil || n != v.Count {
		t.Errorf("Count after purge = %d, %v; want %d", n, err, v.Count)
	}
}

func TestVectorsDQN(t *testing.T) {
	dir, m := loadVectors(t)
	v := m["dqn"]
	q, err := NewDQN(filepath.Join(dir, v.Path), DQNOptions{Schema: v.Schema, Maxelts: v.Maxelts, Rndhex: Opt(v.Rndhex)})
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, q); !slices.Equal(got, v.IterationOrder) {
		t.Fatalf("Names = %v, want %v", got, v.IterationOrder)
	}
	// Count follows Perl: python's count() also counts temporary/ entries.
	temporaries := 0
	for _, e := range v.Elements {
		if e.State == "temporary" {
			temporaries++
		}
	}
	if n, err := q.Count(); err != nil || n != len(v.IterationOrder) || n+temporaries != v.Count {
		t.Fatalf("Count = %d, %v; want %d (python %d = that + %d temporary)", n, err, len(v.IterationOrder), v.Count, temporaries)
	}
	for _, e := range v.Elements {
		if e.State == "temporary" {
			continue
		}
		if e.State == "locked" {
			if ok, err := q.Lock(e.Name); ok || err != nil {
				t.Errorf("Lock(%s) of a python-locked element = %v, %v; want false", e.Label, ok, err)
			}
		} else {
			if _, err := q.Get(e.Name); !errors.Is(err, ErrNotLocked) {
				t.Errorf("Get(%s) unlocked = %v, want ErrNotLocked", e.Label, err)
			}
			if ok, err := q.Lock(e.Name); !ok || err != nil {
				t.Fatalf("Lock(%s) = %v, %v", e.Label, ok, err)
			}
		}
		got, err := q.Get(e.Name)
		if err != nil {
			t.Fatalf("Get(%s): %v", e.Label, err)
		}
		if len(got) != len(e.Files) {
			t.Errorf("%s: fields %v, want %d", e.Label, got, len(e.Files))
		}
		for key, f := range e.Files {
			raw, err := os.ReadFile(filepath.Join(q.Path(), e.Name, key))
			if err != nil {
				t.Fatal(err)
			}
			f.check(t, e.Label+"/"+key, raw)
			switch f.Type {
			case "binary":
				f.check(t, e.Label+"/"+key, got[key].([]byte))
			case "string":
				if got[key] != f.Value {
					t.Errorf("%s/%s = %q, want %q", e.Label, key, got[key], f.Value)
				}
			case "table":
				want := map[string]string{}
				for k, x := range f.Value.(map[string]any) {
					want[k] = x.(string)
				}
				tab := got[key].(map[string]string)
				if !mapsEqual(tab, want) {
					t.Errorf("%s/%s = %q, want %q", e.Label, key, tab, want)
				}
				// and Go writes the very same bytes back
				f.check(t, e.Label+"/"+key+" (FormatTable)", FormatTable(tab))
			default:
				t.Fatalf("unknown type %q", f.Type)
			}
		}
	}
	// The temporary element is stale (old mtimes): purge reaps it, and the
	// python-locked element is unlocked by MaxLock.
	if err := q.Purge(PurgeOptions{MaxTemp: time.Second, MaxLock: time.Second}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(q.Path(), temporaryDir))
	if err != nil || len(ents) != 0 {
		t.Errorf("temporary/ after purge: %v, %v", ents, err)
	}
	for _, e := range v.Elements {
		if e.State == "locked" {
			if _, err := os.Stat(filepath.Join(q.Path(), e.Name, lockedDir)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stale lock of %s kept: %v", e.Label, err)
			}
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestTableVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/dirq/tables.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Serialise []struct {
			Table   map[string]string `json:"table"`
			FileB64 string            `json:"file_b64"`
		} `json:"serialise"`
		ParseLenient []struct {
			FileText string            `json:"file_text"`
			Table    map[string]string `json:"table"`
		} `json:"parse_lenient"`
		ParseErrors []struct {
			FileText string `json:"file_text"`
			Error    string `json:"error"`
		} `json:"parse_errors"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Serialise) == 0 || len(v.ParseLenient) == 0 || len(v.ParseErrors) == 0 {
		t.Fatal("empty vector sections")
	}
	for _, c := range v.Serialise {
		want, _ := base64.StdEncoding.DecodeString(c.FileB64)
		if got := FormatTable(c.Table); !bytes.Equal(got, want) {
			t.Errorf("FormatTable(%q) = %q, want %q", c.Table, got, want)
		}
		got, err := ParseTable(want)
		if err != nil || !mapsEqual(got, c.Table) {
			t.Errorf("ParseTable(%q) = %q, %v; want %q", want, got, err, c.Table)
		}
	}
	for _, c := range v.ParseLenient {
		got, err := ParseTable([]byte(c.FileText))
		if err != nil || !mapsEqual(got, c.Table) {
			t.Errorf("ParseTable(%q) = %q, %v; want %q", c.FileText, got, err, c.Table)
		}
	}
	for _, c := range v.ParseErrors {
		_, err := ParseTable([]byte(c.FileText))
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "unexpected hash line") {
			t.Errorf("ParseTable(%q) = %v, want an unexpected hash line error like python's %q", c.FileText, err, c.Error)
		}
	}
}
