package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runBenchBroker runs `bricks bench broker args...` on a fresh command and
// returns its standard output.
func runBenchBroker(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "bricks", SilenceUsage: true, SilenceErrors: true}
	bench := &cobra.Command{Use: "bench"}
	bench.AddCommand(newBenchBrokerCmd())
	root.AddCommand(bench)
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"bench", "broker"}, args...))
	err := root.Execute()
	if err != nil {
		t.Logf("stderr:\n%s", errOut.String())
	}
	return out.String(), err
}

// TestBenchBrokerEmbedded runs the command against the in-process broker
// with a few messages and checks the table: every row present with
// non-zero rates, the bare rows at 100%.
func TestBenchBrokerEmbedded(t *testing.T) {
	out, err := runBenchBroker(t, "--embedded", "--n", "200", "--runs", "2", "--windows", "1,10", "-q")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out)
	for _, want := range []string{"embedded broker (memory) at stomp://127.0.0.1:", "load average before:", "of bare"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// op, client, window, min, median, max, share
	row := regexp.MustCompile(`(?m)^\s*(send|consume)\s+(bare go-stomp|bricks stomp|stomp\.sender tree|stomp\.receiver tree)\s+(\d+|-)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s*$`)
	rows := row.FindAllStringSubmatch(out, -1)
	if len(rows) != 9 {
		t.Fatalf("%d rows, want 9 (bare and library at 2 windows, bare at 100 for the pipeline, pipeline; bare, library, pipeline consuming)", len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r[1]+" "+r[2]+" "+r[3]] = true
		for _, v := range r[4:7] {
			if n, _ := strconv.Atoi(v); n <= 0 {
				t.Errorf("row %q: rate %s", r[0], v)
			}
		}
		if strings.HasPrefix(r[2], "bare") && r[7] != "100" {
			t.Errorf("bare row %q is not 100%% of itself", r[0])
		}
	}
	for _, want := range []string{"send bare go-stomp 1", "send bare go-stomp 100", "send bricks stomp 10", "send stomp.sender tree 100",
		"consume bare go-stomp -", "consume bricks stomp -", "consume stomp.receiver tree -"} {
		if !seen[want] {
			t.Errorf("no row %q", want)
		}
	}
}

func TestBenchBrokerFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--embedded", "--uri", "stomp://127.0.0.1:61613"},
		{"--embedded", "--n", "0"},
		{"--embedded", "--windows", "0"},
		{"--uri", "http://127.0.0.1"},
	} {
		if _, err := runBenchBroker(t, args...); err == nil {
			t.Errorf("bricks bench broker %v: no error", args)
		}
	}
}
