package chaos

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/internal/proctest"
	"github.com/bricksmq/bricks/queue"
)

// The crash test's sizes: the acceptance numbers.
const (
	crashMessages = 20000
	crashKills    = 24 // SIGKILLs of the MTA (at least 20)
)

// brokerRestarts maps the MTA life during which the broker is restarted
// to how it is stopped: once gracefully, once crashed.
var brokerRestarts = map[int]syscall.Signal{8: syscall.SIGTERM, 16: syscall.SIGKILL}

// crashDest is the broker queue the two transfers meet on, and the
// directory of the broker's storage holding it (a leading /queue/ is
// stripped).
const (
	crashDest     = "/queue/chaos"
	crashDestDir  = "chaos"
	purgeInterval = time.Second
	purgeMaxLock  = 2 * time.Second
)

// crashMTA is the MTA under test: a sender and a receiver, with a purge
// quick enough to reclaim, within the test, the locks and temporary files a
// killed predecessor left behind.
func crashMTA(src, dst, addr string) string {
	return fmt.Sprintf(`name: mta
strategy: one_for_one
intensity: 1000
period: 1m
children:
  - name: out
    app: transfer
    from: {queue: {path: %[1]q}}
    to: {broker: {uri: "stomp://%[3]s", destination: %[4]s, heartbeat: 1s}}
    purge: {interval: %[5]s, maxlock: %[6]s, maxtemp: %[6]s}
    intensity: 1000
    period: 1m
    backoff: {min: 100ms, max: 1s}
  - name: in
    app: transfer
    from: {broker: {uri: "stomp://%[3]s", destination: %[4]s, heartbeat: 1s}}
    to: {queue: {path: %[2]q}}
    purge: {interval: %[5]s, maxlock: %[6]s, maxtemp: %[6]s}
    intensity: 1000
    period: 1m
    backoff: {min: 100ms, max: 1s}
`, src, dst, addr, crashDest, purgeInterval, purgeMaxLock)
}

// crashBroker is the broker: bricks' own, storing its queues in dir so
// that they survive its restarts (SIGKILL included).
func crashBroker(dir, addr string) string {
	return fmt.Sprintf(`name: broker
children:
  - name: broker
    kind: stomp.broker
    with: {listen: %q, storage: dir, dir: %q}
`, addr, dir)
}

// crashSeed is CHAOS_SEED when set (to replay a run), else the time.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CHAOS_SEED=%q: %v", s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// TestCrashes moves 20,000 messages (fed to the source over ten seconds,
// so that kills and broker restarts hit a transfer in full swing) queue → broker → queue through a `bricks run` MTA
// killed with SIGKILL at 24 random moments, the broker
// being restarted twice meanwhile (SIGTERM, then SIGKILL), then lets a last
// MTA finish. Every message must be in the destination at least once,
// unchanged; the source and the broker queue must be empty; no element may
// be left locked and no temporary file left in either local queue (the
// purge of the last MTA reclaims what the killed ones left). Duplicates are
// at-least-once's price: counted and logged, not failed.
func TestCrashes(t *testing.T) {
	t0 := time.Now()
	seed := crashSeed(t)
	t.Logf("seed %d (CHAOS_SEED=%d replays the same kill moments)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))

	scratch, where := proctest.ScratchDir(t)
	src, dst, bdir := filepath.Join(scratch, "src"), filepath.Join(scratch, "dst"), filepath.Join(scratch, "broker")
	logs := t.TempDir()
	t.Logf("queues on %s, logs in %s", where, logs)
	fed := feed(t, src, kindtest.Messages(crashMessages))

	addr := proctest.FreeAddr(t)
	startBroker := func() *proctest.Proc {
		b := runBricks(t, logs, "broker", crashBroker(bdir, addr))
		proctest.WaitListening(t, b, addr)
		return b
	}
	broker := startBroker()
	mtaYAML := crashMTA(src, dst, addr)
	brokerQueue := filepath.Join(bdir, crashDestDir)
	brokerCount := func() int {
		if _, err := os.Stat(brokerQueue); err != nil {
			return 0 // nothing sent yet
		}
		return kindtest.Count(t, brokerQueue)
	}

	leftLocks := 0
	for life := range crashKills {
		mta := runBricks(t, logs, "mta", mtaYAML)
		time.Sleep(time.Duration(100+rng.IntN(501)) * time.Millisecond)
		if sig, ok := brokerRestarts[life]; ok {
			// Stop it while it holds messages (stored and receipted,
			// not yet acknowledged), else the restart proves little;
			// a short bounded wait: the MTA's sender keeps some there.
			held := 0
			for wait := time.Now().Add(3 * time.Second); held == 0 && time.Now().Before(wait); held = brokerCount() {
				time.Sleep(5 * time.Millisecond)
			}
			if err := broker.Stop(t, sig); sig != syscall.SIGKILL && err != nil {
				t.Errorf("broker stopped by SIGTERM: %v\n%s", err, broker.Tail(20))
			}
			broker = startBroker()
			t.Logf("life %d: broker restarted (stopped by %s holding %d messages)", life, signalName(sig), held)
			time.Sleep(time.Duration(100+rng.IntN(501)) * time.Millisecond)
		}
		if done, err := mta.Exited(); done {
			t.Fatalf("life %d: the MTA exited by itself (%v); log:\n%s", life, err, mta.Tail(30))
		}
		mta.Stop(t, syscall.SIGKILL)
		locks, temps := leftovers(t, src)
		_, dstTemps := leftovers(t, dst)
		leftLocks += len(locks)
		t.Logf("life %d: MTA killed; source %d (%d locked, %d temporary), broker %d, destination %d (%d temporary)",
			life, kindtest.Count(t, src), len(locks), len(temps), brokerCount(), kindtest.Count(t, dst), len(dstTemps))
	}
	t.Logf("locked source elements found after the kills, summed over the lives: %d (reclaimed by purge)", leftLocks)

	if err := <-fed; err != nil {
		t.Fatal(err)
	}
	// The last life: runs until the source and the broker queue are empty
	// and the destination stops growing for longer than maxlock (so that
	// locks left by the killed MTAs were reclaimed and sent again).
	mta := runBricks(t, logs, "mta", mtaYAML)
	last, stableSince := -1, time.Now()
	waitFor(t, mta, "every message transferred", func() bool {
		n := kindtest.Count(t, dst)
		if n != last {
			last, stableSince = n, time.Now()
		}
		// Not n >= crashMessages: a lost message must fail below, at
		// once, not hang here.
		return kindtest.Count(t, src) == 0 && brokerCount() == 0 &&
			time.Since(stableSince) > purgeMaxLock+2*purgeInterval
	}, func() string {
		locks, _ := leftovers(t, src)
		return fmt.Sprintf("source %d (%d locked), broker %d, destination %d, unchanged for %s",
			kindtest.Count(t, src), len(locks), brokerCount(), last, time.Since(stableSince).Round(time.Millisecond))
	})
	if err := mta.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("MTA stopped by SIGTERM: %v\n%s", err, mta.Tail(30))
	}
	if err := broker.Stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("broker stopped by SIGTERM: %v\n%s", err, broker.Tail(30))
	}

	for _, q := range []struct {
		name, dir string
		noTemp    bool
	}{{"source", src, true}, {"destination", dst, true}, {"broker storage", bdir, false}} {
		locks, temps := leftovers(t, q.dir)
		if len(locks) > 0 {
			t.Errorf("%s: %d elements left locked, e.g. %s", q.name, len(locks), locks[0])
		}
		if q.noTemp && len(temps) > 0 {
			t.Errorf("%s: %d temporary files left, e.g. %s", q.name, len(temps), temps[0])
		}
		if !q.noTemp && len(temps) > 0 {
			// The broker never purges: a SIGKILL mid-add leaves a
			// temporary file of a message it had not confirmed.
			t.Logf("%s: %d temporary files left by the killed broker (unconfirmed adds)", q.name, len(temps))
		}
	}
	if n := kindtest.Count(t, src); n != 0 {
		t.Errorf("source still holds %d elements", n)
	}
	if q := kindtest.Quarantined(t, dst); len(q) > 0 {
		t.Errorf("destination quarantined %d elements: %v", len(q), q[0])
	}
	dups := kindtest.CheckArrived(t, kindtest.Read(t, dst), crashMessages)
	t.Logf("%d messages, %d MTA kills, %d broker restarts: %d duplicates (%.1f%%) in %s",
		crashMessages, crashKills, len(brokerRestarts), dups, 100*float64(dups)/crashMessages,
		time.Since(t0).Round(100*time.Millisecond))
}

// feedBatches is how many batches feed adds the messages in, one every
// feedPause: 20,000 messages over about ten seconds, a little slower than
// the MTA's pace on a quiet machine so that its lives overlap the feed.
const (
	feedBatches = 100
	feedPause   = 100 * time.Millisecond
)

// feed adds msgs to the DQS queue at dir in feedBatches batches, one every
// feedPause, in a goroutine; the channel gets its outcome once done.
func feed(t *testing.T, dir string, msgs []*queue.Message) <-chan error {
	q := kindtest.OpenDQS(t, dir)
	done := make(chan error, 1)
	go func() {
		for b := range feedBatches {
			for _, m := range msgs[b*len(msgs)/feedBatches : (b+1)*len(msgs)/feedBatches] {
				if _, err := q.AddMessage(m); err != nil {
					done <- fmt.Errorf("feeding the source: %w", err)
					return
				}
			}
			time.Sleep(feedPause)
		}
		done <- nil
	}()
	return done
}

// signalName is "SIGTERM" for syscall.SIGTERM (String says "terminated").
func signalName(sig syscall.Signal) string {
	if sig == syscall.SIGKILL {
		return "SIGKILL"
	}
	return "SIGTERM"
}

// waitFor polls cond every 250 ms until it holds. It fails t if p exits
// first, or after three minutes: that detects a hang, not a slowness. The
// failure shows what state says of the queues, and p's log.
func waitFor(t *testing.T, p *proctest.Proc, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if done, err := p.Exited(); done {
			t.Fatalf("waiting for %s (%s): %s exited (%v); log:\n%s", what, state(), p.Name, err, p.Tail(30))
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s (%s); %s log:\n%s\n%s", what, state(), p.Name, p.Tail(80), keepStacks(t, p))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// keepStacks makes the hung process p print its goroutines (SIGQUIT) and
// keeps its whole log where the test's cleanup does not remove it.
func keepStacks(t *testing.T, p *proctest.Proc) string {
	_ = p.Stop(t, syscall.SIGQUIT)
	f, err := os.CreateTemp("", "chaos-"+p.Name+"-*.log")
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	b, err := os.ReadFile(p.Log)
	if err == nil {
		_, err = f.Write(b)
	}
	if err != nil {
		return err.Error()
	}
	return "its whole log with the goroutines' stacks: " + f.Name()
}

// leftovers lists the lock files (NAME.lck) and temporary files (*.tmp)
// under dir.
func leftovers(t *testing.T, dir string) (locks, temps []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".lck"):
			locks = append(locks, path)
		case strings.HasSuffix(path, ".tmp"):
			temps = append(temps, path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return locks, temps
}
