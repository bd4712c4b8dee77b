package supervision

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOneLogLinePerFailure: a failure is logged once, with the node path,
// the reason and the restart count, and protoactor's own line is dropped.
func TestOneLogLinePerFailure(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	r := startTree(t, rec, sup("root", OneForOne, 5, worker(t, "a", Permanent)), WithLogger(logger))
	rec.send("root/a", cmdFail)
	rec.waitEvent(t, "a restarted", 1, started("root/a", 1))
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var failures []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "told to fail") || strings.Contains(line, "Recovering") {
			failures = append(failures, line)
		}
	}
	if len(failures) != 1 {
		t.Fatalf("%d lines about the failure, want 1:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	for _, want := range []string{"level=WARN", "msg=restarting", "node=root/a", "exit=abnormal", "restarts=1", `reason="told to fail"`} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("failure line %q lacks %q", failures[0], want)
		}
	}
}
