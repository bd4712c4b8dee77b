package pipe

import (
	"slices"
	"testing"
)

// TestGather checks that Gather takes what is waiting, in order, within
// its limit, and reports a closed channel.
func TestGather(t *testing.T) {
	c := make(chan int, 10)
	for i := 1; i <= 5; i++ {
		c <- i
	}
	got, open := Gather(0, c, 3)
	if !open || !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("limit 3: got %v open %v, want [0 1 2] open", got, open)
	}
	got, open = Gather(10, c, 0)
	if !open || !slices.Equal(got, []int{10, 3, 4, 5}) {
		t.Fatalf("no limit: got %v open %v, want [10 3 4 5] open", got, open)
	}
	got, open = Gather(7, c, 0)
	if !open || !slices.Equal(got, []int{7}) {
		t.Fatalf("nothing waiting: got %v open %v, want [7] open", got, open)
	}
	c <- 8
	close(c)
	got, open = Gather(7, c, 0)
	if open || !slices.Equal(got, []int{7, 8}) {
		t.Fatalf("closed: got %v open %v, want [7 8] closed", got, open)
	}
}

// TestOutboxOrderAcrossFastPath checks that an item pushed while others
// wait never overtakes them, and that the steady state (room in the
// window, nothing waiting) hands items over without allocating.
func TestOutboxOrderAcrossFastPath(t *testing.T) {
	o := NewOutbox[int](2)
	o.Open()
	var got []int
	take := func() { got = append(got, <-o.C()); o.Done() }
	o.Push(0)
	o.Push(1)
	o.Push(2) // waits: the window is full
	take()    // hands 2 over
	o.Push(3) // waits behind nothing but the full window
	take()
	take()
	o.Push(4)
	take()
	take()
	if !slices.Equal(got, []int{0, 1, 2, 3, 4}) || o.Waiting() != 0 || len(o.C()) != 0 {
		t.Fatalf("handed over %v (%d waiting, %d in the channel), want 0..4 in order", got, o.Waiting(), len(o.C()))
	}
	if n := testing.AllocsPerRun(100, func() { o.Push(1); <-o.C(); o.Done() }); n != 0 {
		t.Fatalf("steady state: %v allocations per item, want 0", n)
	}
	// A burst beyond the window reuses the waiting array once drained.
	burst := func() {
		for i := range 5 {
			o.Push(i)
		}
		for range 5 {
			<-o.C()
			o.Done()
		}
	}
	burst()
	if n := testing.AllocsPerRun(100, burst); n != 0 {
		t.Fatalf("bursts: %v allocations each, want 0", n)
	}
}
