package supervision

import "time"

// restartWindow decides whether one more restart stays within "at most
// intensity restarts within period". It keeps only the last intensity
// restart times in a ring, so it costs O(intensity) memory and O(1) per
// restart however many restarts a long-running tree has seen.
type restartWindow struct {
	ring   []time.Time // the last len(ring) restarts, oldest at next once full
	next   int
	filled bool
}

func newRestartWindow(intensity int) *restartWindow {
	if intensity < 0 {
		intensity = 0
	}
	return &restartWindow{ring: make([]time.Time, intensity)}
}

// allow records a restart at now and reports whether it is allowed, i.e.
// whether at most len(ring) restarts (this one included) fall within the
// period ending now. A refused restart is not recorded.
func (w *restartWindow) allow(now time.Time, period time.Duration) bool {
	if len(w.ring) == 0 {
		return false
	}
	if w.filled && now.Sub(w.ring[w.next]) < period {
		// The oldest of the last intensity restarts is within the period:
		// with this one that makes intensity+1.
		return false
	}
	w.ring[w.next] = now
	w.next++
	if w.next == len(w.ring) {
		w.next, w.filled = 0, true
	}
	return true
}

// reset forgets every recorded restart (after a cool-down).
func (w *restartWindow) reset() {
	clear(w.ring)
	w.next, w.filled = 0, false
}

// resize keeps the window consistent when a reload changes intensity.
func (w *restartWindow) resize(intensity int) {
	if intensity < 0 {
		intensity = 0
	}
	if intensity != len(w.ring) {
		*w = *newRestartWindow(intensity)
	}
}
