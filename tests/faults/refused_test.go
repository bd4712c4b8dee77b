package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
)

// TestConnectionRefused starts a transfer towards an address nothing
// listens on: the stages keep trying, spaced by a backoff (STOMP: inside
// the library; AMQP: the stage fails and its supervisor restarts it), the
// tree stays up, and once a broker appears at that address every message
// flows.
func TestConnectionRefused(t *testing.T) {
	for _, tc := range []struct {
		name, proto string
		// with is the stages' `with:` for addr and destination dest.
		with func(addr, dest string) string
		// start starts a broker on addr.
		start func(t *testing.T, addr string)
		// refusals counts the refused connections so far in the log.
		refusals func(r *recorder, addr string) int
	}{
		{"STOMP", "stomp",
			func(addr, dest string) string {
				return fmt.Sprintf(`uri: "stomp://%s", heartbeat: 1s, destination: %q`, addr, "/queue/"+dest)
			},
			func(t *testing.T, addr string) { startEmbedded(t, addr) },
			func(r *recorder, addr string) int {
				return len(r.logLines("stomp connect failed", "stomp://"+addr, "connection refused"))
			}},
		{"AMQP", "amqp",
			func(addr, dest string) string {
				return fmt.Sprintf(`uri: "amqp://%s", auth: {scheme: anonymous}, heartbeat: 2s, destination: %q`, addr, dest)
			},
			func(t *testing.T, addr string) { privateQpid(t, addr) },
			func(r *recorder, addr string) int {
				n := 0
				for _, node := range []string{"sender", "receiver"} {
					n += len(r.failures(node))
				}
				return n
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			addr := freeAddr(t)
			with := tc.with(addr, unique(t, ""))
			p := newPipeline(t, tc.proto, with, with)
			const n = 1000
			p.fill(t, n)
			t0 := time.Now()
			_, rec := runTree(t, p.yaml())
			kindtest.WaitUntil(t, "three refused connections", func() bool { return tc.refusals(rec, addr) >= 3 })
			kindtest.WaitUntil(t, "the backoff window passed", func() bool { return time.Since(t0) > backoffWindow })
			// Both stages retry: twice the bound of one.
			if r := tc.refusals(rec, addr); r > 2*maxAttempts {
				t.Errorf("%d refused connections within %s: a hot reconnect loop (at most %d expected)", r, time.Since(t0), 2*maxAttempts)
			} else {
				t.Logf("%d refused connections within %s (both stages; bound %d)", r, time.Since(t0).Round(100*time.Millisecond), 2*maxAttempts)
			}
			if got := kindtest.Count(t, p.src); got != n {
				t.Errorf("the source holds %d messages before any broker is up, want %d", got, n)
			}
			tc.start(t, addr)
			kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, p.src) == 0 })
			kindtest.WaitUntil(t, "every message arrived", func() bool { return len(kindtest.Read(t, p.dst)) >= n })
			dups := kindtest.CheckArrived(t, kindtest.Read(t, p.dst), n)
			t.Logf("%s: %d messages, %d duplicates, %s in all; stage failures: sender %d, receiver %d",
				tc.name, n, dups, time.Since(t0).Round(100*time.Millisecond), len(rec.failures("sender")), len(rec.failures("receiver")))
		})
	}
}
