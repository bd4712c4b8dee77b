package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestSet(t *testing.T) {
	dir := t.TempDir()
	a, _ := NewDQS(filepath.Join(dir, "a"), DQSOptions{})
	b, _ := NewDQS(filepath.Join(dir, "b"), DQSOptions{})
	n, _ := NewDQN(filepath.Join(dir, "n"), DQNOptions{Schema: testSchema})
	// interleave adds between a and b: the set yields them in name order
	var want []string
	for i := range 6 {
		q := a
		if i%2 == 1 {
			q = b
		}
		name, err := q.Add([]byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%s %s", filepath.Base(q.Path()), name))
	}
	dn, _ := n.Add(map[string]any{"header": map[string]string{}})
	want = append([]string{"n " + dn}, want...) // DQN counters sort first
	s, err := NewSet(a, b, n)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range s.Names() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s", filepath.Base(e.Queue.Path()), e.Name))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Set.Names =\n%v\nwant\n%v", got, want)
	}
	if c, err := s.Count(); c != 7 || err != nil {
		t.Errorf("Count = %d %v", c, err)
	}
	// early stop is fine
	for range s.Names() {
		break
	}
	// the same directory twice, even through another object and a symlink
	os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "alias"))
	a2, _ := NewDQS(filepath.Join(dir, "alias"), DQSOptions{})
	if err := s.Add(a2); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate = %v", err)
	}
	if _, err := NewSet(a, a); !errors.Is(err, ErrDuplicate) {
		t.Errorf("NewSet duplicate = %v", err)
	}
	if _, err := NewSet(NewNull()); err == nil {
		t.Error("Null accepted in a set")
	}
	if err := s.Remove(b); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Count(); c != 4 {
		t.Errorf("Count after Remove = %d", c)
	}
	if err := s.Remove(b); err == nil {
		t.Error("removed twice")
	}
}
