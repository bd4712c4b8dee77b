package supervision

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestStrategyRestartExit runs every strategy × restart type × exit kind on
// the middle child b of [a, b, c] and checks the exact order of starts and
// stops: initial start, the reaction to b's exit, then the shutdown.
func TestStrategyRestartExit(t *testing.T) {
	t.Parallel()
	exits := []struct {
		cmd  fakeCmd
		kind ExitKind
	}{{cmdExit, ExitNormal}, {cmdFail, ExitAbnormal}, {cmdGoFail, ExitAbnormal}, {cmdPanic, ExitPanic}}
	reaction := map[Strategy][]string{
		OneForOne:  {"start b"},
		OneForAll:  {"stop c", "stop a", "start a", "start b", "start c"},
		RestForOne: {"stop c", "start b", "start c"},
	}
	for _, strategy := range []Strategy{OneForOne, OneForAll, RestForOne} {
		for _, restart := range []Restart{Permanent, Transient, Temporary} {
			for _, exit := range exits {
				name := fmt.Sprintf("%s/%s/%s", strategy, restart, exit.cmd)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					rec := newRecorder(t)
					r := startTree(t, rec, sup("root", strategy, 10,
						worker(t, "a", Permanent), worker(t, "b", restart), worker(t, "c", Permanent)))
					rec.send("root/b", exit.cmd)

					want := []string{"start a", "start b", "start c", "stop b"}
					restarts := needsRestart(restart, exit.kind)
					if restarts {
						want = append(want, reaction[strategy]...)
						last := reaction[strategy][len(reaction[strategy])-1]
						rec.waitEvent(t, "restart done", 2, startedAny("root/"+strings.TrimPrefix(last, "start ")))
						want = append(want, "stop c", "stop b", "stop a")
					} else {
						rec.waitEvent(t, "b exited", 1, exited("root/b"))
						want = append(want, "stop c", "stop a")
					}
					if err := r.Stop(context.Background()); err != nil {
						t.Fatalf("Stop: %v", err)
					}
					if got := shortLog(rec.lines()); !slices.Equal(got, want) {
						t.Errorf("got  %v\nwant %v", got, want)
					}
					var ex *ChildExited
					for _, ev := range rec.eventList() {
						if e, ok := ev.(*ChildExited); ok {
							ex = e
						}
					}
					if ex == nil || ex.Exit != exit.kind {
						t.Errorf("exit event %v, want kind %s", ex, exit.kind)
					}
				})
			}
		}
	}
}

// shortLog drops the root path and goroutine lines, "start root/a" → "start a".
func shortLog(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "goroutine") {
			continue
		}
		out = append(out, strings.Replace(l, "root/", "", 1))
	}
	return out
}
