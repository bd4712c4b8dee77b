package pipe

import "testing"

func TestIDsUniqueAcrossGenerators(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		g := NewIDs()
		for range 100 {
			id := g.Next()
			if seen[id] {
				t.Fatalf("id %s given twice", id)
			}
			seen[id] = true
		}
	}
}

// TestOutboxBound checks that nothing is handed over before Open, that at
// most limit items are handed over and not Done, in order, and that Done
// makes room for exactly one more.
func TestOutboxBound(t *testing.T) {
	o := NewOutbox[int](3)
	for i := range 5 {
		o.Push(i)
	}
	if len(o.C()) != 0 || o.Waiting() != 5 {
		t.Fatalf("before Open: %d handed, %d waiting", len(o.C()), o.Waiting())
	}
	o.Open()
	if len(o.C()) != 3 || o.Waiting() != 2 {
		t.Fatalf("after Open: %d handed, %d waiting", len(o.C()), o.Waiting())
	}
	got := []int{<-o.C(), <-o.C()}
	if len(o.C()) != 1 || o.Waiting() != 2 {
		t.Fatalf("taking items is not answering them: %d handed, %d waiting", len(o.C()), o.Waiting())
	}
	o.Done()
	if o.Waiting() != 1 {
		t.Fatalf("after one Done: %d waiting, want 1", o.Waiting())
	}
	o.Done()
	o.Done()
	for len(o.C()) > 0 {
		got = append(got, <-o.C())
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("handed over %v, want 0..4 in order", got)
		}
	}
	if len(got) != 5 {
		t.Fatalf("handed over %v", got)
	}
}

// TestIDsFormat checks the "<incarnation>.<n>" form and that an ID costs
// one allocation.
func TestIDsFormat(t *testing.T) {
	g := NewIDs()
	first := g.Next()
	if want := g.prefix + "1"; first != want {
		t.Fatalf("first ID %q, want %q", first, want)
	}
	for range 1000 {
		g.Next()
	}
	if got, want := g.Next(), g.prefix+"1002"; got != want {
		t.Fatalf("ID %q, want %q", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { g.Next() }); n != 1 {
		t.Fatalf("%v allocations per ID, want 1", n)
	}
}
