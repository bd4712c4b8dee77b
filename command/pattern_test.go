package command

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"syscall"
	"testing"
	"time"
)

// marked starts a shell script with a unique marker in its command line and
// returns it with a pattern matching exactly that marker.
func marked(t *testing.T, script string) (*Process, *regexp.Regexp) {
	t.Helper()
	marker := fmt.Sprintf("bricks-pattern-test-%d-%s", time.Now().UnixNano(), t.Name())
	rec := newRecorder()
	p, err := Start([]string{"sh", "-c", script + "; echo running; while :; do sleep 0.1; done", marker}, Options{Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill(); p.Wait() })
	rec.waitFor(t, "script running", msgIs("running"))
	return p, regexp.MustCompile(regexp.QuoteMeta(marker) + "$")
}

func TestFindProcesses(t *testing.T) {
	p, re := marked(t, "true")
	pids, err := FindProcesses(re)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pids, []int{p.Pid()}) {
		t.Fatalf("found %v, want [%d]", pids, p.Pid())
	}
	if st := patternCheck(re); LSBState(st) != Running {
		t.Errorf("pattern status %v, want running", st)
	}
	p.Kill()
	p.Wait()
	if st := patternCheck(re); LSBState(st) != Stopped {
		t.Errorf("pattern status after kill %v, want stopped", st)
	}
}

func TestStopPatternEscalatesToKill(t *testing.T) {
	p, re := marked(t, "trap '' TERM")
	if err := stopPattern(context.Background(), re, 200*time.Millisecond, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, p); st.Signal != syscall.SIGKILL {
		t.Errorf("exit = %v, want killed by SIGKILL after TERM was ignored", st)
	}
}

func TestStopPatternTerm(t *testing.T) {
	p, re := marked(t, "true")
	if err := stopPattern(context.Background(), re, patience, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st := waitDone(t, p); st.Signal != syscall.SIGTERM {
		t.Errorf("exit = %v, want ended by SIGTERM", st)
	}
}
