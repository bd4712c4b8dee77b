package main

import (
	"os"
	"runtime/debug"
)

// The transfer agent allocates a little per message (frames, decoded
// messages) and keeps a small live heap (the windows' messages), so the
// default GOGC=100 collects very often: about a seventh of an MTA's CPU
// went to the collector in profiles. A higher GOGC trades that for heap
// headroom, and a soft memory limit keeps the headroom bounded when the
// live heap grows (1 MiB messages in a 200-message window). Both apply
// only where the user did not set GOGC or GOMEMLIMIT.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
