package command

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// patience bounds every wait in these tests; it only turns a hang into a
// failure and never asserts speed.
const patience = 30 * time.Second

// record is one captured log record with its attributes flattened to text.
type record struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

// recorder is a slog.Handler that keeps every record for assertions.
type recorder struct {
	mu      *sync.Mutex
	recs    *[]record
	changed *sync.Cond
	attrs   []slog.Attr
}

func newRecorder() *recorder {
	mu := &sync.Mutex{}
	return &recorder{mu: mu, recs: &[]record{}, changed: sync.NewCond(mu)}
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	attrs := map[string]string{}
	for _, a := range r.attrs {
		attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
	r.mu.Lock()
	*r.recs = append(*r.recs, record{rec.Level, rec.Message, attrs})
	r.changed.Broadcast()
	r.mu.Unlock()
	return nil
}

func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	cp := *r
	cp.attrs = append(append([]slog.Attr{}, r.attrs...), as...)
	return &cp
}

func (r *recorder) WithGroup(string) slog.Handler { return r }

func (r *recorder) logger() *slog.Logger { return slog.New(r) }

// find returns the first record matching pred.
func (r *recorder) find(pred func(record) bool) (record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range *r.recs {
		if pred(rec) {
			return rec, true
		}
	}
	return record{}, false
}

// count returns how many records match pred.
func (r *recorder) count(pred func(record) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range *r.recs {
		if pred(rec) {
			n++
		}
	}
	return n
}

// waitFor blocks until a record matching pred arrives, failing the test
// after patience.
func (r *recorder) waitFor(t *testing.T, what string, pred func(record) bool) record {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		if rec, ok := r.find(pred); ok {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log record %s within %v; got:\n%s", what, patience, r.dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *recorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, rec := range *r.recs {
		fmt.Fprintf(&b, "  %s %q %v\n", rec.Level, rec.Msg, rec.Attrs)
	}
	return b.String()
}

// msgIs matches a record by message.
func msgIs(msg string) func(record) bool {
	return func(r record) bool { return r.Msg == msg }
}

// groupMembers lists the live (non-zombie) processes of process group pgid,
// read from /proc so that orphans a busy init has not reaped yet are not
// counted as leaks.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// Fields after the parenthesised command: state ppid pgrp ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGroupGone fails the test unless process group pgid empties within
// patience.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		m := groupMembers(t, pgid)
		if len(m) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has members %v", pgid, m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// waitDone fails the test unless p ends within patience.
func waitDone(t *testing.T, p *Process) ExitStatus {
	t.Helper()
	select {
	case <-p.Done():
		return p.Exit()
	case <-time.After(patience):
		p.Kill()
		t.Fatalf("%v did not end within %v", p.Argv(), patience)
		return ExitStatus{}
	}
}
