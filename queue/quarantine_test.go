package queue

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// consumeAll is what a transfer-agent iterator does: lock, get, quarantine
// what is corrupt and carry on, remove what was handled.
func consumeAll(t *testing.T, q Queue) (got []*Message, quarantined []string) {
	t.Helper()
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			t.Fatalf("Lock(%s) = %v, %v", name, ok, err)
		}
		m, err := q.GetMessage(name)
		if ce, ok := IsCorrupt(err); ok {
			p, qerr := q.Quarantine(ce.Name, err)
			if qerr != nil {
				t.Fatal(qerr)
			}
			quarantined = append(quarantined, p)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
		if err := q.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
	return got, quarantined
}

func TestQuarantine(t *testing.T) {
	for _, kind := range []string{"dqs", "dqn"} {
		t.Run(kind, func(t *testing.T) {
			q, err := Open(kind, filepath.Join(t.TempDir(), "q"))
			if err != nil {
				t.Fatal(err)
			}
			good := &Message{Header: map[string]string{"k": "v"}, Body: []byte("body"), Text: true}
			n1, _ := q.AddMessage(good)
			n2, _ := q.AddMessage(good)
			n3, _ := q.AddMessage(good)
			// corrupt n2: truncated JSON (DQS), table without TAB (DQN)
			bad := filepath.Join(q.Path(), n2)
			if kind == "dqn" {
				bad = filepath.Join(bad, "header")
			}
			b, _ := os.ReadFile(bad)
			if kind == "dqn" {
				b = []byte("garbage\n")
			} else {
				b = b[:len(b)/2]
			}
			if err := os.WriteFile(bad, b, 0o644); err != nil {
				t.Fatal(err)
			}
			got, quarantined := consumeAll(t, q)
			if len(got) != 2 || !got[0].Equal(good) || !got[1].Equal(good) {
				t.Errorf("consumed %v", got)
			}
			want := filepath.Join(q.Path(), QuarantineDir, strings.Replace(n2, "/", "-", 1))
			if len(quarantined) != 1 || quarantined[0] != want {
				t.Fatalf("quarantined %v, want [%s]", quarantined, want)
			}
			// kept, with its reason, out of the queue's sight
			if _, err := os.Stat(want); err != nil {
				t.Errorf("quarantined element missing: %v", err)
			}
			reason, _ := os.ReadFile(want + ".reason")
			if !strings.Contains(string(reason), n2) {
				t.Errorf("reason file = %q, want the element named", reason)
			}
			if c, _ := q.Count(); c != 0 {
				t.Errorf("Count = %d", c)
			}
			if err := q.Purge(PurgeOptions{MaxTemp: 1, MaxLock: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(want); err != nil {
				t.Errorf("purge deleted the quarantined element: %v", err)
			}
			if kind == "dqn" {
				if _, err := os.Stat(filepath.Join(want, lockedDir)); !os.IsNotExist(err) {
					t.Error("quarantined element still locked")
				}
			}
			_ = n1
			_ = n3
		})
	}
}

func TestGetMessageCorruptNamesPath(t *testing.T) {
	q, _ := NewDQS(filepath.Join(t.TempDir(), "q"), DQSOptions{})
	n, _ := q.Add([]byte("{not json"))
	q.Lock(n)
	_, err := q.GetMessage(n)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Join(q.Path(), n)) {
		t.Fatalf("GetMessage = %v, want ErrCorrupt naming %s", err, filepath.Join(q.Path(), n))
	}
}

func TestMessageRoundTrip(t *testing.T) {
	msgs := []*Message{
		{Header: map[string]string{"subject": "hi", "tab": "a\tb"}, Body: []byte("text body ✓"), Text: true},
		{Header: map[string]string{}, Body: []byte{0, 1, 2, 0xff}},
		{Header: map[string]string{"x": "y"}, Body: []byte{}},
	}
	for _, kind := range []string{"dqs", "dqn"} {
		q, err := Open(kind, filepath.Join(t.TempDir(), "q"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if _, err := q.AddMessage(m); err != nil {
				t.Fatal(err)
			}
		}
		got, quarantined := consumeAll(t, q)
		if len(quarantined) != 0 || len(got) != len(msgs) {
			t.Fatalf("%s: got %d, quarantined %v", kind, len(got), quarantined)
		}
		for i := range msgs {
			if !got[i].Equal(msgs[i]) {
				t.Errorf("%s: message %d = %v, want %v", kind, i, got[i], msgs[i])
			}
		}
	}
	// DQS compression option: still readable, and the file is smaller
	q, _ := NewDQS(filepath.Join(t.TempDir(), "q"), DQSOptions{Compression: "zlib"})
	big := &Message{Header: map[string]string{}, Body: []byte(strings.Repeat("compressible ", 500)), Text: true}
	n, err := q.AddMessage(big)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(q.Path(), n))
	if fi.Size() >= int64(len(big.Body)) {
		t.Errorf("compressed element is %d bytes for a %d-byte body", fi.Size(), len(big.Body))
	}
	q.Lock(n)
	if m, err := q.GetMessage(n); err != nil || !m.Equal(big) {
		t.Errorf("GetMessage compressed = %v, %v", m, err)
	}
}
