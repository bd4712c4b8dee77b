package main

import (
	"os"
	"runtime/debug"
	"time"
)

// The transfer agent allocates a little per message (frames, decoded
// messages) and keeps a small live heap (the windows' messages), so the
// default GOGC=100 collects very often: about a seventh of an MTA's CPU
// went to the collector in profiles. A higher GOGC trades that for heap
// headroom, and a soft memory limit keeps the headroom bounded when the
// live heap grows (1 MiB messages in a 200-message window). Both apply
// only where the user did not set GOGC or GOMEMLIMIT.
//
// The headroom a load leaves behind would stay resident long after it
// (the runtime forces a collection only every two minutes), so an MTA that
// went idle would keep the peak's memory: every releaseEvery the process
// collects and returns free memory to the system. A collection of the
// small live heap costs well under a millisecond.
const (
	defaultGCPercent   = 400
	defaultMemoryLimit = 256 << 20
	releaseEvery       = 15 * time.Second
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	go func() { // for the life of the process
		for range time.Tick(releaseEvery) {
			debug.FreeOSMemory()
		}
	}()
}
