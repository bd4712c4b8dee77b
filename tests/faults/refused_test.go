package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
)

// refusedCase is one protocol of the connection-refused tests.
type refusedCase struct {
	name, proto string
	// with is the stages' `with:` for uri and destination dest.
	with func(uri, dest string) string
	// broker starts a broker and returns its address.
	broker func(t *testing.T) string
	// refusals counts the refused connections to broker so far.
	refusals func(r *recorder, broker string) int
	// direct: only the sender goes through the proxy. Qpid's example
	// broker forgets a message once sent to a receiver, accepted or not,
	// so cutting a receiver's connection there loses what it held.
	direct bool
}

var refusedCases = []refusedCase{
	{"STOMP", "stomp",
		func(uri, dest string) string {
			return fmt.Sprintf(`uri: %q, heartbeat: 1s, destination: %q`, uri, "/queue/"+dest)
		},
		func(t *testing.T) string { return startEmbedded(t, "127.0.0.1:0").Addr().String() },
		// the library retries inside and logs each refused round
		func(r *recorder, broker string) int {
			return len(r.logLines("stomp connect failed", broker, "connection refused"))
		}, false},
	{"AMQP", "amqp",
		func(uri, dest string) string {
			return fmt.Sprintf(`uri: %q, auth: {scheme: anonymous}, heartbeat: 2s, destination: %q`, uri, dest)
		},
		func(t *testing.T) string { return privateQpid(t, proctest.FreeAddr(t)).addr },
		// a plain address is tried once: the stage fails, the tree restarts it
		func(r *recorder, broker string) int {
			return len(r.logLines("amqp connect failed", broker, "connection refused"))
		}, true},
}

// TestConnectionRefused runs a transfer through a proxy in front of the
// broker and takes the proxy down halfway: nothing listens at the
// broker's address any more (for AMQP, the sender's: see direct). The stages keep trying, spaced by a backoff
// (STOMP: inside the library; AMQP: the stage fails and its supervisor
// restarts it), the tree stays up, the source keeps what was not
// confirmed, and once the address listens again every message arrives.
func TestConnectionRefused(t *testing.T) {
	for _, tc := range refusedCases {
		t.Run(tc.name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			upstream := tc.broker(t)
			p := newProxy(t, upstream, nil)
			broker := tc.proto + "://" + p.addr()
			dest := unique(t, "")
			with, rwith := tc.with(broker, dest), tc.with(broker, dest)
			if tc.direct {
				rwith = tc.with(tc.proto+"://"+upstream, dest)
			}
			pl := newPipeline(t, tc.proto, with, rwith)
			const n = 2000
			pl.fill(t, n)
			t0 := time.Now()
			_, rec := runTree(t, pl.yaml())
			kindtest.WaitUntil(t, "a quarter of the messages arrived", func() bool { return kindtest.Count(t, pl.dst) >= n/4 })
			p.down()
			down := time.Now()
			kindtest.WaitUntil(t, "three refused connections", func() bool { return tc.refusals(rec, broker) >= 3 })
			kindtest.WaitUntil(t, "the backoff window passed", func() bool { return time.Since(down) > backoffWindow })
			// Both stages may retry: twice the bound of one.
			if r := tc.refusals(rec, broker); r > 2*maxAttempts {
				t.Errorf("%d refused connections within %s: a hot reconnect loop (at most %d expected)", r, backoffWindow, 2*maxAttempts)
			} else {
				t.Logf("%d refused connections within %s of the broker going away (both stages; bound %d)", r, backoffWindow, 2*maxAttempts)
			}
			p.up(t)
			kindtest.WaitUntil(t, "source drained", func() bool { return kindtest.Count(t, pl.src) == 0 })
			kindtest.WaitUntil(t, "every message arrived", func() bool { return len(kindtest.Read(t, pl.dst)) >= n })
			dups := kindtest.CheckArrived(t, kindtest.Read(t, pl.dst), n)
			t.Logf("%s: %d messages, %d duplicates, %s in all; stage restarts: sender %d, receiver %d; failed restarts: sender %d, receiver %d",
				tc.name, n, dups, time.Since(t0).Round(100*time.Millisecond), len(rec.failures("sender")), len(rec.failures("receiver")),
				len(rec.startFailures("sender")), len(rec.startFailures("receiver")))
		})
	}
}

// TestConnectionRefusedAtStart starts a transfer towards an address
// nothing listens on. A broker stage is ready once connected, and a child
// that cannot start aborts its supervisor's start (OTP), so the tree does
// not start: AMQP fails Start at once with an error naming the broker;
// STOMP keeps retrying inside the library, spaced by its backoff and
// logged with the broker's address, until Start's deadline.
func TestConnectionRefusedAtStart(t *testing.T) {
	for _, tc := range refusedCases {
		t.Run(tc.name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			broker := tc.proto + "://" + proctest.FreeAddr(t)
			with := tc.with(broker, unique(t, ""))
			pl := newPipeline(t, tc.proto, with, with)
			pl.fill(t, 10)
			t0 := time.Now()
			_, rec, err := startTree(t, pl.yaml(), backoffWindow)
			if err == nil {
				t.Fatal("the tree started with nothing listening")
			}
			if r := tc.refusals(rec, broker); r < 1 || r > maxAttempts {
				t.Errorf("%d refused connections logged within %s, want 1 to %d", r, time.Since(t0), maxAttempts)
			}
			if tc.proto == "amqp" && (!strings.Contains(err.Error(), broker) || !strings.Contains(err.Error(), "connection refused")) {
				t.Errorf("Start: %v\nwant an error naming the broker %s", err, broker)
			}
			if got := kindtest.Count(t, pl.src); got != 10 {
				t.Errorf("the source holds %d messages, want 10", got)
			}
			t.Logf("Start: %v (%d refused connections logged)", err, tc.refusals(rec, broker))
		})
	}
}
