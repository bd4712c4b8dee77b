package legacy

import (
	"fmt"
	"strings"
	"time"

	"github.com/bricksmq/bricks/apps"
)

// StompcltStatistics returns the statistics of the transfers whose stats
// stages run at paths, summed.
func StompcltStatistics(paths []string) apps.Statistics {
	var total apps.Statistics
	for _, p := range paths {
		s, ok := apps.TransferStatistics(p)
		if !ok {
			continue
		}
		total.Messages += s.Messages
		total.Bytes += s.Bytes
		total.Rejected += s.Rejected
		if !s.First.IsZero() && (total.First.IsZero() || s.First.Before(total.First)) {
			total.First = s.First
		}
		if s.Last.After(total.Last) {
			total.Last = s.Last
		}
	}
	return total
}

// FormatStatistics writes the statistics block of stompclt --statistics
// (mta.md §7): rate in thousands of messages a second, MB of 2^20 bytes.
func FormatStatistics(s apps.Statistics) string {
	switch s.Messages {
	case 0:
		return "processed no messages\n"
	case 1:
		return "processed only 1 message\n"
	}
	// A burst confirmed within the clock's resolution still gets a rate.
	sec := max(s.Elapsed(), time.Microsecond).Seconds()
	var b strings.Builder
	fmt.Fprintf(&b, "processed %d messages in %.3f seconds (%.3f k msg/sec)\n", s.Messages, sec, float64(s.Messages)/sec/1000)
	fmt.Fprintf(&b, "throughput is around %.3f MB/second\n", float64(s.Bytes)/sec/(1<<20))
	fmt.Fprintf(&b, "average message size is around %d bytes\n", s.Bytes/s.Messages)
	return b.String()
}
