package queue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGetMessageSizes reads messages around and above the recycled read
// buffer's size, which GetMessage reads without fstat.
func TestGetMessageSizes(t *testing.T) {
	q, err := NewDQS(filepath.Join(t.TempDir(), "q"), DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"k": "v"}
	for _, n := range []int{1, 16<<10 - 40, 16<<10 - 39, 16 << 10, 16<<10 + 1, 100 << 10, 2 << 20} {
		m := NewText(strings.Repeat("é", n/2)+strings.Repeat("x", n%2), hdr)
		name, err := q.AddMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.LockStrict(name); err != nil {
			t.Fatal(err)
		}
		got, err := q.GetMessage(name)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !sameMessage(got, m) || got.Text != m.Text {
			t.Fatalf("%d bytes: got %.60s, want %.60s", n, got, m)
		}
		// The file holds exactly what Serialize writes.
		onDisk, err := os.ReadFile(filepath.Join(q.Path(), name))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := m.Serialize(SerializeOptions{})
		if !bytes.Equal(onDisk, want) {
			t.Fatalf("%d bytes: element differs from Serialize", n)
		}
		// GetMessage falls back to Get on any failure: check that the
		// buffer-reusing read alone gets the whole file.
		for _, initial := range []int{0, 1, 4096, len(want), 16 << 10} {
			p := append([]byte(filepath.Join(q.Path(), name)), 0)
			got, err := readShort(p, make([]byte, 0, initial))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%d bytes, buffer %d: readShort read %d bytes, %v", n, initial, len(got), err)
			}
		}
		if err := q.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGetMessageErrors: the recycled-buffer path reports what Get and
// Deserialize report: a corrupt element names its path, a missing lock is
// fs.ErrNotExist, and a message decoded after a corrupt one is intact.
func TestGetMessageErrors(t *testing.T) {
	q, err := NewDQS(filepath.Join(t.TempDir(), "q"), DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := q.Add([]byte(`{"body": "truncated`))
	if err != nil {
		t.Fatal(err)
	}
	good, err := q.AddMessage(NewText("fine", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.GetMessage(good); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unlocked element: %v, want not-exist", err)
	}
	for _, name := range []string{bad, good} {
		if err := q.LockStrict(name); err != nil {
			t.Fatal(err)
		}
	}
	_, err = q.GetMessage(bad)
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || !strings.Contains(err.Error(), "Unterminated string") {
		t.Fatalf("corrupt element: %v", err)
	}
	m, err := q.GetMessage(good)
	if err != nil || string(m.Body) != "fine" || !m.Text {
		t.Fatalf("good element: %+v, %v", m, err)
	}
}
