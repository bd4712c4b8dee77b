package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestNull(t *testing.T) {
	q, err := Open("NULL", "ignored")
	if err != nil {
		t.Fatal(err)
	}
	n := q.(*Null)
	if name, err := n.Add([]byte("x")); name != "" || err != nil {
		t.Errorf("Add = %q %v", name, err)
	}
	if name, err := n.AddMessage(&Message{}); name != "" || err != nil {
		t.Errorf("AddMessage = %q %v", name, err)
	}
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, []byte("x"), 0o644)
	if _, err := n.AddPath(f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Error("AddPath did not delete the file")
	}
	if c, err := n.Count(); c != 0 || err != nil {
		t.Errorf("Count = %d %v", c, err)
	}
	if got := collect(t, n); len(got) != 0 {
		t.Errorf("Names = %v", got)
	}
	if _, err := n.Lock("x"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Lock = %v", err)
	}
	if _, err := n.GetMessage("x"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("GetMessage = %v", err)
	}
	if err := n.Purge(DefaultPurge); err != nil {
		t.Error(err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	for kind, want := range map[string]string{"": "*queue.DQS", "dqs": "*queue.DQS", "DQN": "*queue.DQN"} {
		q, err := Open(kind, filepath.Join(dir, kind+"x"))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", q); got != want {
			t.Errorf("Open(%q) = %s, want %s", kind, got, want)
		}
	}
	if _, err := Open("dqx", dir); err == nil {
		t.Error("unknown kind accepted")
	}
	// the DQN of Open has python-messaging's schema
	q, _ := Open("dqn", filepath.Join(dir, "m"))
	if _, err := q.(*DQN).Add(map[string]any{"header": map[string]string{}, "body": "x"}); !errors.Is(err, ErrSchema) {
		t.Errorf("field outside MessagingSchema accepted: %v", err)
	}
}
