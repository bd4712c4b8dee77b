package apps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// fill adds n numbered text messages to the DQS queue at dir.
func fill(t *testing.T, dir string, n int) {
	t.Helper()
	q, err := queue.Open("dqs", dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := q.AddMessage(queue.NewText(fmt.Sprintf("body %d", i), map[string]string{"seq": fmt.Sprint(i), "message-id": "m" + fmt.Sprint(i)})); err != nil {
			t.Fatal(err)
		}
	}
}

// drain reads every message of the DQS queue at dir, in order; every
// element must be free to lock (nothing is left locked).
func drain(t *testing.T, dir string) []*queue.Message {
	t.Helper()
	return readQueue(t, dir, func(name string, ok bool, err error) bool {
		if err != nil || !ok {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		return true
	})
}

// readQueue reads the messages of the DQS queue at dir whose lock
// (ok, err) keep accepts, unlocking each after reading.
func readQueue(t *testing.T, dir string, keep func(name string, ok bool, err error) bool) []*queue.Message {
	t.Helper()
	q, err := queue.Open("dqs", dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*queue.Message
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); !keep(name, ok, err) || !ok {
			continue
		}
		m, err := q.GetMessage(name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		_ = q.Unlock(name)
	}
	return out
}

func count(t *testing.T, dir string) int {
	t.Helper()
	q, err := queue.Open("dqs", dir)
	if err != nil {
		t.Fatal(err)
	}
	n, err := q.Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// runTree loads a tree file text and runs it until it ends by itself.
func runTree(t *testing.T, name, text string) {
	t.Helper()
	tr, err := supervision.LoadBytes(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("tree ended with %v", err)
		}
	case <-time.After(60 * time.Second):
		_ = r.Stop(context.Background())
		t.Fatal("the tree did not end by itself")
	}
}

// TestQueueToQueueDrains: a loop: false transfer moves every message,
// rewrites headers, removes the sources, counts what it moved, and the
// tree ends normally (what `bricks run` turns into exit 0).
func TestQueueToQueueDrains(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 25)
	forgetStatistics("mta/copy/stats")
	runTree(t, "qq.yaml", fmt.Sprintf(`
name: mta
children:
  - name: copy
    app: transfer
    from: {queue: {path: %s}}
    to: {queue: {path: %s}}
    loop: false
    window: 4
    headers:
      delete: [message-id]
      copy: {original-seq: seq}
      template: {subject: "n=$${seq}"}
`, in, out))
	got := drain(t, out)
	if len(got) != 25 {
		t.Fatalf("destination holds %d messages, want 25", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		seq := m.Header["seq"]
		if seen[seq] {
			t.Errorf("seq %s twice", seq)
		}
		seen[seq] = true
		if m.Header["subject"] != "n="+seq || m.Header["original-seq"] != seq || m.Header["message-id"] != "" || string(m.Body) != "body "+seq {
			t.Errorf("message %v not rewritten as asked", m)
		}
	}
	if n := count(t, in); n != 0 {
		t.Errorf("source still holds %d elements", n)
	}
	st, ok := TransferStatistics("mta/copy/stats")
	if !ok || st.Messages != 25 || st.Bytes <= 0 {
		t.Errorf("statistics %+v (found %v), want 25 messages", st, ok)
	}
}

// TestQueueToQueueCount: count: N moves exactly N and leaves the rest;
// remove: false with count leaves the source untouched.
func TestQueueToQueueCount(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 10)
	runTree(t, "count.yaml", fmt.Sprintf(`
name: copy
app: transfer
from: {queue: {path: %s}}
to: {queue: {path: %s}}
count: 4
window: 2
`, in, out))
	if n := count(t, out); n != 4 {
		t.Errorf("destination holds %d, want 4", n)
	}
	if n := count(t, in); n != 6 {
		t.Errorf("source holds %d, want 6", n)
	}
}

// TestDurationDrains: a duration-bound transfer of a looping source ends
// by itself, and nothing is lost: every message is at one end or the
// other, none locked.
func TestDurationDrains(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 50)
	runTree(t, "dur.yaml", fmt.Sprintf(`
name: copy
app: transfer
from: {queue: {path: %s}}
to: {queue: {path: %s}}
duration: 300ms
`, in, out))
	if a, b := count(t, in), count(t, out); a+b != 50 {
		t.Errorf("source %d + destination %d != 50", a, b)
	}
	// Every element left at the source is unlocked: it can be locked again.
	q, _ := queue.Open("dqs", in)
	for name := range q.Names() {
		if ok, err := q.Lock(name); !ok || err != nil {
			t.Errorf("element %s left locked (%v)", name, err)
		}
	}
	if entries, _ := os.ReadDir(in); len(entries) == 0 {
		t.Error("source directory vanished")
	}
}

func TestPidfileRefusesLiveHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pid")
	// pid 1 is always alive.
	if err := os.WriteFile(path, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AcquirePidfile(path); err == nil || !strings.Contains(err.Error(), "already running as pid 1") {
		t.Fatalf("AcquirePidfile over a live pid: %v", err)
	}
	// A dead pid is taken over; Release removes the file.
	if err := os.WriteFile(path, []byte("999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := AcquirePidfile(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.TrimSpace(string(data)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("pid file holds %q", data)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("pid file still there after Release: %v", err)
	}
}

// TestPidfileApp: a transfer whose pid file a live process holds does not
// start; once it runs, the file holds our pid, and it is removed at stop.
func TestPidfileApp(t *testing.T) {
	dir := t.TempDir()
	pid := filepath.Join(dir, "t.pid")
	src := fmt.Sprintf("name: t\napp: transfer\nfrom: {queue: {path: %s}}\nto: {queue: {path: %s}}\npidfile: %s\n",
		filepath.Join(dir, "a"), filepath.Join(dir, "b"), pid)
	tr, err := supervision.LoadBytes("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pid, []byte("1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger())); err == nil {
		_ = r.Stop(context.Background())
		t.Fatal("started though pid 1 holds the pid file")
	} else if !strings.Contains(err.Error(), "already running as pid 1") {
		t.Errorf("start error %v does not say who holds the pid file", err)
	}
	if err := os.Remove(pid); err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(pid)
	if strings.TrimSpace(string(data)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("pid file holds %q while running", data)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("pid file left after stop: %v", err)
	}
}

// TestInactivityEnds: timeouts.inactivity ends a looping transfer once
// the queue stayed empty that long (stompclt's --timeout-inactivity).
func TestInactivityEnds(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 5)
	runTree(t, "idle.yaml", fmt.Sprintf(`
name: idle
app: transfer
from: {queue: {path: %s, poll: 50ms}}
to: {queue: {path: %s}}
timeouts: {inactivity: 2s}
`, in, out))
	if a, b := count(t, in), count(t, out); a != 0 || b != 5 {
		t.Errorf("source %d, destination %d; want 0 and 5", a, b)
	}
}
