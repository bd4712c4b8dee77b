package supervision

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRestartWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name      string
		intensity int
		restarts  []int // seconds
		want      []bool
	}{
		{"zero intensity refuses all", 0, []int{0}, []bool{false}},
		{"within budget", 2, []int{0, 1}, []bool{true, true}},
		{"one too many", 2, []int{0, 1, 2}, []bool{true, true, false}},
		{"old ones slide out", 2, []int{0, 6, 12, 13}, []bool{true, true, true, false}},
		{"exactly period apart is outside", 1, []int{0, 10, 20}, []bool{true, true, true}},
		{"refused restarts are not counted", 1, []int{0, 5, 11}, []bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRestartWindow(tt.intensity)
			var got []bool
			for _, s := range tt.restarts {
				got = append(got, w.allow(at(s), 10*time.Second))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if len(w.ring) != tt.intensity {
				t.Errorf("ring holds %d times, want intensity %d", len(w.ring), tt.intensity)
			}
		})
	}
}

// TestIntensityExhausted: more than intensity restarts within period make the
// root give up; its children are stopped in reverse and Wait says who.
func TestIntensityExhausted(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	clock := newFakeClock()
	root := sup("root", OneForOne, 2, worker(t, "a", Permanent), worker(t, "b", Permanent))
	root.Period = 10 * time.Second
	r := startTree(t, rec, root, WithClock(clock))

	for i, advance := range []time.Duration{0, 6 * time.Second, 6 * time.Second} {
		clock.Advance(advance)
		rec.send("root/b", cmdFail)
		rec.waitEvent(t, "b restarted", 1, started("root/b", i+1))
	}
	rec.send("root/b", cmdFail) // the third within 10s (at 6s, 12s, 12s)
	err := r.Wait()
	var ie *IntensityError
	if !errors.As(err, &ie) || ie.Supervisor != "root" || ie.Child != "root/b" || ie.Intensity != 2 || ie.Period != 10*time.Second {
		t.Fatalf("Wait() = %v, want root giving up on root/b", err)
	}
	if !strings.Contains(err.Error(), "told to fail") {
		t.Errorf("error %q does not give the last reason", err)
	}
	want := []string{"start a", "start b", "stop b", "start b", "stop b", "start b", "stop b", "start b", "stop b", "stop a"}
	if got := shortLog(rec.lines()); !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestEscalation: a failure climbs three levels of supervisors with no
// restart budget; with a budget in the middle, it stops there.
func TestEscalation(t *testing.T) {
	t.Parallel()
	tree := func(t *testing.T, midIntensity int) *Node {
		leaf := sup("leaf", OneForOne, 0, worker(t, "w", Permanent))
		mid := sup("mid", OneForOne, midIntensity, worker(t, "y", Permanent), leaf)
		return sup("root", OneForOne, 0, worker(t, "x", Permanent), mid)
	}
	t.Run("to the root", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t)
		r := startTree(t, rec, tree(t, 0))
		rec.send("root/mid/leaf/w", cmdPanic)
		err := r.Wait()
		var ie *IntensityError
		if !errors.As(err, &ie) || ie.Supervisor != "root" || ie.Child != "root/mid" {
			t.Fatalf("Wait() = %v, want root giving up on root/mid", err)
		}
		for _, s := range []string{"root/mid/leaf gave up", "child root/mid/leaf/w", "panic: told to panic"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q lacks %q", err, s)
			}
		}
		want := []string{"start x", "start mid/y", "start mid/leaf/w", "stop mid/leaf/w", "stop mid/y", "stop x"}
		if got := shortLog(rec.lines()); !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("stops where there is budget", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t)
		startTree(t, rec, tree(t, 1))
		rec.send("root/mid/leaf/w", cmdPanic)
		rec.waitEvent(t, "leaf restarted", 1, started("root/mid/leaf", 1))
		want := []string{"start x", "start mid/y", "start mid/leaf/w", "stop mid/leaf/w", "start mid/leaf/w"}
		if got := shortLog(rec.lines()); !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
}
