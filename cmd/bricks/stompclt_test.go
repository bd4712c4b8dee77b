package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/embedded"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// The seed's stompclt examples, shared with package legacy's tests.
const stompcltTestdata = "../../internal/legacy/testdata"

// waitLimit bounds waits for a child process: a hang fails the test
// instead of blocking it (not a speed assertion).
const waitLimit = 2 * time.Minute

// stompcltBinary builds bricks once for the test.
func stompcltBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bricks")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBin runs the binary to its end and returns stdout, stderr and the
// exit status.
func runBin(t *testing.T, bin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// startBroker starts the embedded broker on a free local port.
func startBroker(t *testing.T) (*embedded.Server, string) {
	t.Helper()
	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { _ = srv.Serve(ctx); close(served) }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		cancel()
		<-served
	})
	return srv, "stomp://" + srv.Addr().String()
}

func fillQueue(t *testing.T, path string, n int, header map[string]string) {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := q.AddMessage(queue.NewText(fmt.Sprintf("message %d", i), header)); err != nil {
			t.Fatal(err)
		}
	}
}

func queueMessages(t *testing.T, path string) []*queue.Message {
	t.Helper()
	q, err := queue.NewDQS(path, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*queue.Message
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			t.Fatalf("lock %s: %v", name, err)
		}
		m, err := q.GetMessage(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestStompcltDropIn runs the seed's two stompclt configurations with
// `bricks stompclt` against the embedded broker: the sender drains a
// queue to the broker (its callback's header rules applied), the receiver
// takes the messages into a queue; then stompclt's exit statuses, and
// --status / --quit against a running process.
func TestStompcltDropIn(t *testing.T) {
	bin := stompcltBinary(t)
	srv, uri := startBroker(t)
	dir := t.TempDir()
	out, in, pid := filepath.Join(dir, "out"), filepath.Join(dir, "in"), filepath.Join(dir, "sender.pid")
	fillQueue(t, out, 5, map[string]string{"destination": "/queue/stompclt.test", "message-id": "old"})

	t.Run("sender", func(t *testing.T) {
		stdout, stderr, rc := runBin(t, bin, "stompclt", "--conf", filepath.Join(stompcltTestdata, "sender.conf"),
			"--incoming-queue", "path="+out, "--outgoing-broker-uri", uri, "--pidfile", pid, "--statistics")
		if rc != 0 {
			t.Fatalf("exit %d\n%s", rc, stderr)
		}
		if !strings.HasPrefix(stdout, "processed 5 messages in ") || !strings.Contains(stdout, "average message size is around") {
			t.Errorf("statistics:\n%s", stdout)
		}
		if n := len(queueMessages(t, out)); n != 0 {
			t.Errorf("%d messages left in the sender's queue (remove = true)", n)
		}
		if d := srv.QueueDepth("/queue/stompclt.test"); d != 5 {
			t.Errorf("broker holds %d messages, want 5", d)
		}
		if _, err := os.Stat(pid); !os.IsNotExist(err) {
			t.Errorf("pid file left behind: %v", err)
		}
	})

	t.Run("receiver", func(t *testing.T) {
		stdout, stderr, rc := runBin(t, bin, "stompclt", "--conf", filepath.Join(stompcltTestdata, "receiver.conf"),
			"--incoming-broker-uri", uri, "--outgoing-queue", "path="+in, "--count", "5", "-s")
		if rc != 0 {
			t.Fatalf("exit %d\n%s", rc, stderr)
		}
		if !strings.HasPrefix(stdout, "processed 5 messages in ") {
			t.Errorf("statistics:\n%s", stdout)
		}
		got := queueMessages(t, in)
		if len(got) != 5 {
			t.Fatalf("receiver's queue holds %d messages, want 5", len(got))
		}
		for _, m := range got {
			if m.Header["x-relay"] != "bricks" || m.Header["persistent"] != "true" || m.Header["message-id"] == "old" {
				t.Errorf("headers not rewritten by the sender's callback rules: %v", m.Header)
			}
		}
		if d := srv.QueueDepth("/queue/stompclt.test"); d != 0 {
			t.Errorf("broker still holds %d messages", d)
		}
	})

	// stompclt-receiver.conf subscribes twice: a transfer per
	// subscription, each with the count, both ending the run.
	t.Run("two subscriptions", func(t *testing.T) {
		src, dst := filepath.Join(dir, "src2"), filepath.Join(dir, "dst2")
		fillQueue(t, src, 2, map[string]string{"destination": "/queue/app.in"})
		if _, stderr, rc := runBin(t, bin, "stompclt", "--incoming-queue", "path="+src, "--outgoing-broker-uri", uri, "--remove"); rc != 0 {
			t.Fatalf("sending: exit %d\n%s", rc, stderr)
		}
		stdout, stderr, rc := runBin(t, bin, "stompclt", "--conf", filepath.Join(stompcltTestdata, "stompclt-receiver.conf"),
			"--incoming-broker-uri", uri, "--outgoing-queue", "path="+dst, "--count", "2", "--timeout-inactivity", "1", "--statistics")
		if rc != 0 {
			t.Fatalf("exit %d\n%s", rc, stderr)
		}
		if !strings.Contains(stderr, "callback code not convertible") {
			t.Errorf("the Perl line left out is not reported:\n%s", stderr)
		}
		if !strings.HasPrefix(stdout, "processed 2 messages in ") {
			t.Errorf("statistics:\n%s", stdout)
		}
		got := queueMessages(t, dst)
		if len(got) != 2 {
			t.Fatalf("%d messages received, want 2", len(got))
		}
		for _, m := range got {
			if m.Header["x-relay"] != "bricks" || m.Header["destination"] != "/queue/app.in" {
				t.Errorf("headers %v", m.Header)
			}
		}
	})

	t.Run("exit statuses", func(t *testing.T) {
		live := filepath.Join(dir, "live.pid")
		cases := []struct {
			args   []string
			rc     int
			stderr string
		}{
			{[]string{"--bogus"}, 2, "unknown option: bogus"},
			{[]string{"--incoming-queue", "path=" + out}, 255, "option outgoing-broker or outgoing-queue is required"},
			{[]string{"--help"}, 1, ""},
			{[]string{"--status", "--pidfile", filepath.Join(dir, "none.pid")}, 3, ""},
			{[]string{"--incoming-queue", "path=" + out, "--outgoing-queue", "path=" + in, "--daemon", "-s"}, 255, "options daemon and statistics are mutually exclusive"},
			{[]string{"--incoming-queue", "path=" + out, "--outgoing-queue", "path=" + in, "--remove", "--pidfile", live}, 255, "already running as pid 1"},
			{[]string{"--incoming-queue", "path=" + out, "--outgoing-queue", "path=" + in, "--remove", "--daemon"}, 0, "running in the foreground"},
		}
		if err := os.WriteFile(live, []byte("1\n"), 0o644); err != nil { // pid 1 is alive
			t.Fatal(err)
		}
		for _, c := range cases {
			_, stderr, rc := runBin(t, bin, append([]string{"stompclt"}, c.args...)...)
			if rc != c.rc || !strings.Contains(stderr, c.stderr) {
				t.Errorf("%v: exit %d, want %d; stderr:\n%s", c.args, rc, c.rc, stderr)
			}
		}
	})

	t.Run("status and quit", func(t *testing.T) {
		from, to, pid := filepath.Join(dir, "from"), filepath.Join(dir, "to"), filepath.Join(dir, "loop.pid")
		fillQueue(t, from, 3, nil)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "stompclt", "--incoming-queue", "path="+from, "--outgoing-queue", "path="+to,
			"--loop", "--remove", "--pidfile", pid, "--statistics")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		for len(queueMessages(t, to)) < 3 {
			select {
			case err := <-exited:
				t.Fatalf("bricks stompclt ended early: %v\n%s", err, stderr.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		status, _, rc := runBin(t, bin, "stompclt", "--status", "--pidfile", pid)
		if want := fmt.Sprintf("stompclt (pid %d) was active on ", cmd.Process.Pid); rc != 0 || !strings.HasPrefix(status, want) {
			t.Errorf("--status: exit %d, %q; want 0, %q...", rc, status, want)
		}
		quit, qerr, rc := runBin(t, bin, "stompclt", "--quit", "--pidfile", pid)
		if rc != 0 || !strings.Contains(quit, "is being told to quit") || !strings.Contains(quit, "does not seem to be running anymore") {
			t.Errorf("--quit: exit %d\n%s%s", rc, quit, qerr)
		}
		if err := <-exited; err != nil {
			t.Errorf("the quit process exited with %v\n%s", err, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), "processed 3 messages in ") {
			t.Errorf("statistics of the quit process:\n%s", stdout.String())
		}
		if _, err := os.Stat(pid); !os.IsNotExist(err) {
			t.Errorf("pid file left behind: %v", err)
		}
		if _, _, rc := runBin(t, bin, "stompclt", "--status", "--pidfile", pid); rc != 3 {
			t.Errorf("--status after --quit: exit %d, want 3", rc)
		}
	})
}

// `bricks import stompclt` prints the converted tree and the problems.
func TestImportStompcltCommand(t *testing.T) {
	conf := filepath.Join(stompcltTestdata, "stompclt-receiver.conf")
	out, stderr, err := runLoaderCLI(t, "import", "stompclt", conf)
	if err != nil {
		t.Fatalf("import: %v (stderr %s)", err, stderr)
	}
	tree, err := supervision.LoadBytes("imported.yaml", []byte(out))
	if err != nil {
		t.Fatalf("printed tree does not load: %v\n%s", err, out)
	}
	if r := tree.Root; r.Name != "stompclt-receiver" || len(r.Children) != 2 {
		t.Errorf("root %s with %d children, want stompclt-receiver with a transfer per subscription", r.Name, len(r.Children))
	}
	if want := conf + ":24: callback code not convertible"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(bad, []byte("outgoing-queue = path=/o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runLoaderCLI(t, "import", "stompclt", bad)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(stderr, bad+":1: option incoming-broker or incoming-queue is required") {
		t.Errorf("nothing converted: %v\n%s", err, stderr)
	}
}
