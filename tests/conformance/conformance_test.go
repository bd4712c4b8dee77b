package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	_ "github.com/bricksmq/bricks/brokers/amqp"     // amqp.sender, amqp.receiver
	_ "github.com/bricksmq/bricks/brokers/embedded" // stomp.broker
	_ "github.com/bricksmq/bricks/brokers/stomp"    // stomp.sender, stomp.receiver
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// conformanceCase is one case of the suite. It returns a note for the
// results table: what the target did where targets legitimately differ,
// or, prefixed by naPrefix, why the common behaviour does not apply and
// which documented behaviour was asserted instead.
type conformanceCase struct {
	name string
	run  func(t *testing.T, e *env) (note string)
}

var cases = []conformanceCase{
	{"roundtrip", testRoundTrip},
	{"confirms", testConfirms},
	{"ack-nack", testAckNack},
	{"redelivery-after-crash", func(t *testing.T, e *env) string { return testRedelivery(t, e, crashSink) }},
	{"redelivery-after-receiver-restart", func(t *testing.T, e *env) string { return testRedelivery(t, e, restartReceiver) }},
}

// TestConformance runs every case on every target, each case in its own
// tree, on its own destination.
func TestConformance(t *testing.T) {
	for _, tgt := range targets {
		t.Run(tgt.Name, func(t *testing.T) {
			kindtest.CheckLeaks(t)
			results.record(t, tgt.Name, "", nil)
			b := tgt.Endpoint(t)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					note := ""
					results.record(t, tgt.Name, c.name, &note)
					kindtest.CheckLeaks(t)
					start := time.Now()
					note = c.run(t, newEnv(t, tgt, b))
					t.Logf("%s/%s: %s", tgt.Name, c.name, time.Since(start).Round(time.Millisecond))
				})
			}
		})
	}
}

// roundTripCorpus is what case 1 sends: the kindtest messages (unicode
// text, binary with NUL and invalid UTF-8, unicode and STOMP-escaping-prone
// headers), an empty body, a 1 MiB binary body and more awkward headers.
// Message i has the "seq" header i.
func roundTripCorpus() []*queue.Message {
	ms := kindtest.Messages(6)
	add := func(m *queue.Message) {
		m.Header["seq"] = strconv.Itoa(len(ms))
		ms = append(ms, m)
	}
	// An empty body is binary: the queue's python-messaging JSON form has
	// no text flag without a body, so an empty text message cannot even
	// leave the source queue as text.
	add(queue.NewBinary([]byte{}, map[string]string{}))
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7 % 251) // NUL bytes; a prime period shows any shift or cut
	}
	add(queue.NewBinary(big, map[string]string{"size": "1MiB"}))
	add(queue.NewText("headers", map[string]string{
		"with:colon":  `a:b\c`,
		"newline":     "line one\nline two",
		"empty":       "",
		"spaces":      "  padded  ",
		"emoji-🚀":     "✓ 日本語 \u00a0nbsp",
		"percent-enc": "%41%00%zz",
	}))
	return ms
}

// testRoundTrip: queue -> sender -> broker -> receiver -> queue keeps every
// body byte, the text/binary flag and every header.
func testRoundTrip(t *testing.T, e *env) string {
	msgs := roundTripCorpus()
	kindtest.Fill(t, e.src, msgs...)
	e.run(t, tree{})
	e.drained(t)
	kindtest.WaitUntil(t, "every message arrived", func() bool { return kindtest.Count(t, e.dst) >= len(msgs) })
	if dups := kindtest.CheckSame(t, kindtest.Read(t, e.dst), msgs); dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
	e.noQuarantine(t)
	return ""
}

// testConfirms: with no consumer running, the sender confirms every
// message (a RECEIPT, an accepted disposition), so the reader empties its
// queue and moves nothing aside; a receiver started afterwards then finds
// every message on the broker, exactly once: a confirm means stored.
func testConfirms(t *testing.T, e *env) string {
	const n = 60
	kindtest.Fill(t, e.src, kindtest.Messages(n)...)
	_, sent := e.run(t, tree{noSink: true})
	e.drained(t)
	e.noQuarantine(t)
	e.run(t, tree{noSend: true})
	kindtest.WaitUntil(t, "every confirmed message is on the broker", func() bool { return kindtest.Count(t, e.dst) >= n })
	dups := kindtest.CheckArrived(t, kindtest.Read(t, e.dst), n)
	if f := sent.Failed("sender"); f != 0 {
		t.Logf("the sender failed %d times: %d duplicates allowed", f, dups)
	} else if dups != 0 {
		t.Errorf("%d duplicates with no sender failure", dups)
	}
	return ""
}

// testAckNack: the sink rejects the first delivery of one message and
// confirms everything else. The rejection reaches the broker (a STOMP NACK,
// an AMQP rejected outcome), which then does what the target's
// capabilities say; every other message is acknowledged exactly once: after
// the receiver reconnects, none comes back before a later sentinel.
func testAckNack(t *testing.T, e *env) string {
	const n, poison = 6, 2
	tag := fmt.Sprintf("t%d", time.Now().UnixNano())
	msgs := kindtest.Messages(n)
	for _, m := range msgs {
		m.Header["cftag"] = tag
	}
	kindtest.Fill(t, e.src, msgs...)
	rec := newRecorder()
	script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		i := seq(t, d)
		var first bool
		rec.with(func() { rec.delivered[i]++; first = rec.delivered[i] == 1 })
		if i == poison && first {
			rec.answer(ctx, i, d, errors.New("conformance: scripted rejection"))
			return
		}
		rec.answer(ctx, i, d, nil)
	})
	run, _ := e.run(t, tree{script: script})
	caps := e.tgt.caps
	kindtest.WaitUntil(t, "every message answered", func() bool {
		ok := true
		rec.with(func() {
			for i := range n {
				if i != poison && len(rec.confirmed[i]) == 0 {
					ok = false
				}
			}
			ok = ok && rec.rejected[poison] == 1
			if caps.onReject == redelivered {
				ok = ok && len(rec.confirmed[poison]) == 1
			}
		})
		return ok
	})
	e.drained(t)
	if caps.onReject == deadLettered {
		dlq := *e
		dlq.dst = filepath.Join(t.TempDir(), "dlq")
		dlq.run(t, tree{noSend: true, recvDest: caps.deadLetter, selector: "cftag = '" + tag + "'"})
		kindtest.WaitUntil(t, "the rejected message reached "+caps.deadLetter, func() bool { return kindtest.Count(t, dlq.dst) >= 1 })
		got := kindtest.Read(t, dlq.dst)
		if len(got) != 1 || len(got[poison]) != 1 || !bytes.Equal(got[poison][0].Body, msgs[poison].Body) {
			t.Errorf("dead-lettered messages by seq %v, want message %d alone", got, poison)
		}
	}

	// Reconnect the receiver: whatever it left unacknowledged (or NACKed
	// without the broker acting on it) would be delivered again, before a
	// sentinel sent afterwards.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run.RestartChild(ctx, treeName+"/receiver"); err != nil {
		t.Fatal(err)
	}
	sentinel := queue.NewText("sentinel", map[string]string{"seq": strconv.Itoa(n)})
	kindtest.Fill(t, e.src, sentinel)
	kindtest.WaitUntil(t, "the sentinel arrived", func() bool {
		var ok bool
		rec.with(func() { ok = len(rec.confirmed[n]) > 0 })
		return ok
	})
	rec.with(func() {
		for i := range n {
			want := 1
			if i == poison && caps.onReject != redelivered {
				want = 0
			}
			if got := len(rec.confirmed[i]); got != want {
				t.Errorf("message %d confirmed %d times, want %d", i, got, want)
			}
		}
		wantDeliveries := 1
		if caps.onReject == redelivered {
			wantDeliveries = 2
		}
		if got := rec.delivered[poison]; got != wantDeliveries {
			t.Errorf("the rejected message was delivered %d times, want %d (%s: %s)", got, wantDeliveries, caps.onReject, caps.rejectWhy)
		}
	})
	t.Logf("rejected message %s: %s", caps.onReject, caps.rejectWhy)
	return "rejected message " + string(caps.onReject)
}

// crashID is the ID of the Deliver the test sends the sink to crash it.
const crashID = "conformance-crash"

// A killer takes the receiver away while the sink holds every message it
// delivered, unanswered: its broker connection closes with them
// unacknowledged. The sink confirms what it gets once stopHolding ran. It
// returns how many times the sink fails for it.
type killer func(t *testing.T, run *supervision.Running, stopHolding func()) (sinkFailures int)

// crashSink crashes the sink (a Deliver with crashID): rest_for_one
// restarts it with the receiver, and the sender and reader after them.
func crashSink(t *testing.T, run *supervision.Running, _ func()) int {
	run.System().Root.Send(run.PID(treeName+"/sink"), &queue.Deliver{ID: crashID})
	return 1
}

// restartReceiver restarts the receiver alone, as an operator would
// (Running.RestartChild): the sink keeps running, and what it held before
// is never answered.
func restartReceiver(t *testing.T, run *supervision.Running, stopHolding func()) int {
	stopHolding()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run.RestartChild(ctx, treeName+"/receiver"); err != nil {
		t.Fatal(err)
	}
	return 0
}

// testRedelivery: the sink holds every message unanswered, then kill takes
// the receiver away; the broker redelivers to the restarted receiver what
// it never acknowledged, so every message arrives, identical. Where the
// target cannot redeliver (capabilities), the case asserts the documented
// loss instead: a sentinel sent after the restart arrives and none of the
// held messages does.
func testRedelivery(t *testing.T, e *env, kill killer) string {
	const n = 8
	msgs := kindtest.Messages(n)
	kindtest.Fill(t, e.src, msgs...)
	rec := newRecorder()
	var holding atomic.Bool
	holding.Store(true)
	script := kindtest.Script(t, func(ctx actor.Context, d *queue.Deliver) {
		if d.ID == crashID {
			holding.Store(false)
			actors.Fail(ctx, errors.New("conformance: scripted crash of the stage holding the messages"))
		}
		i := seq(t, d)
		if holding.Load() {
			rec.with(func() { rec.delivered[i]++ }) // held: never answered
			return
		}
		rec.answer(ctx, i, d, nil)
	})
	run, ev := e.run(t, tree{script: script})
	kindtest.WaitUntil(t, "the sink holds every message", func() bool {
		var held int
		rec.with(func() { held = len(rec.delivered) })
		return held == n
	})
	e.drained(t)
	failures := kill(t, run, func() { holding.Store(false) })
	kindtest.WaitUntil(t, "the sink crashed and was restarted", func() bool { return ev.Failed("sink") >= failures })

	caps := e.tgt.caps
	if !caps.redeliversUnacked {
		sentinel := queue.NewText("sentinel", map[string]string{"seq": strconv.Itoa(n)})
		kindtest.Fill(t, e.src, sentinel)
		kindtest.WaitUntil(t, "the sentinel arrived", func() bool {
			var ok bool
			rec.with(func() { ok = len(rec.confirmed[n]) > 0 })
			return ok
		})
		rec.with(func() {
			if len(rec.confirmed) != 1 {
				t.Errorf("%d held messages came back, want none: is %q still true?", len(rec.confirmed)-1, caps.noRedelivery)
			}
		})
		return naPrefix + caps.noRedelivery
	}
	kindtest.WaitUntil(t, "every held message came back", func() bool {
		var back int
		rec.with(func() { back = len(rec.confirmed) })
		return back >= n
	})
	var dups int
	rec.with(func() { dups = kindtest.CheckSame(t, rec.confirmed, msgs) })
	if dups != 0 {
		t.Logf("%d duplicates after the restart (allowed: at least once)", dups)
	}
	if f := ev.Failed("sink"); f != failures {
		t.Errorf("the sink failed %d times, want %d (the scripted crashes)", f, failures)
	}
	return ""
}
