package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/internal/proctest"
	"github.com/bricksmq/bricks/internal/testutil"
	"github.com/bricksmq/bricks/supervision"
)

// release lets the runtest.stubborn actors of the current test finish
// stopping.
var release atomic.Pointer[chan struct{}]

func init() {
	actors.Register(actors.Kind{Name: "runtest.stubborn", Summary: "does not stop until released",
		New: func(*actors.Config) (actor.Actor, error) {
			released := *release.Load()
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*actor.Stopping); ok {
					<-released
				}
			}), nil
		}})
	actors.Register(actors.Kind{Name: "runtest.idle", Summary: "does nothing",
		New: func(*actors.Config) (actor.Actor, error) { return actor.ReceiveFunc(func(actor.Context) {}), nil }})
	actors.Register(actors.Kind{Name: "runtest.neverready", Summary: "never says it is ready", SignalsReady: true,
		New: func(*actors.Config) (actor.Actor, error) { return actor.ReceiveFunc(func(actor.Context) {}), nil }})
	actors.Register(actors.Kind{Name: "runtest.crasher", Summary: "fails right after it started",
		New: func(*actors.Config) (actor.Actor, error) {
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*actor.Started); ok {
					actors.Go(ctx, func(context.Context) error { return errors.New("crashed on purpose") })
				}
			}), nil
		}})
}

func writeTree(t *testing.T, path, yaml string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runFile writes yaml to a tree file and runs it with runTree, logging as
// text into the returned buffer. started, when not nil, gets the file's
// path (to rewrite it for a reload) and the running tree; a nil sigs is a
// channel no signal comes on.
func runFile(t *testing.T, yaml string, sigs chan os.Signal, started func(path string, r *supervision.Running)) (*bytes.Buffer, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tree.yaml")
	writeTree(t, path, yaml)
	var logs bytes.Buffer
	logger, _ := newLogger(&logs, "info", "text")
	if sigs == nil {
		sigs = make(chan os.Signal)
	}
	var onStart func(*supervision.Running)
	if started != nil {
		onStart = func(r *supervision.Running) { started(path, r) }
	}
	err := runTree(context.Background(), path, &logs, logger, sigs, onStart)
	return &logs, err
}

// checkExit fails t unless err asks the command to exit with code.
func checkExit(t *testing.T, err error, code int) {
	t.Helper()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != code {
		t.Fatalf("runTree = %v, want exit %d", err, code)
	}
}

func TestRunReloadAndStop(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	var inspected []supervision.NodeStatus
	logs, err := runFile(t, "name: app\nchildren:\n  - name: a\n    kind: runtest.idle\n", sigs, func(path string, r *supervision.Running) {
		writeTree(t, path, "name: app\nchildren:\n  - name: a\n    kind: runtest.idle\n  - name: b\n    kind: runtest.idle\n")
		sigs <- syscall.SIGHUP
		// The loop handles signals in order: the reload is done before the
		// stop signal is read; inspect from a goroutine started by it.
		go func() {
			for {
				inspected = r.Inspect()
				if len(inspected) == 3 {
					sigs <- syscall.SIGTERM
					return
				}
				select {
				case <-r.Done():
					return
				case <-time.After(time.Millisecond): // poll, not a timing assertion
				}
			}
		}()
	})
	if err != nil {
		t.Fatalf("runTree: %v\n%s", err, logs.String())
	}
	if len(inspected) != 3 || inspected[2].Path != "app/b" {
		t.Errorf("after reload: %+v", inspected)
	}
	for _, want := range []string{"msg=reloaded", "msg=stopping signal=terminated", "msg=stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "\x1b[") {
		t.Error("log has colour escapes")
	}
}

func TestRunRootFailure(t *testing.T) {
	logs, err := runFile(t, "name: app\nintensity: 0\nchildren:\n  - name: a\n    kind: runtest.idle\n  - name: boom\n    kind: runtest.crasher\n", nil, nil)
	checkExit(t, err, 1)
	for _, want := range []string{"msg=\"tree failed\"", "child app/boom exceeded 0 restarts", "crashed on purpose"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestRunStartFailure(t *testing.T) {
	logs, err := runFile(t, "name: app\nchildren:\n  - name: a\n    kind: no.such.kind\n", nil, nil)
	checkExit(t, err, 1)
	if !strings.Contains(logs.String(), "no.such.kind") {
		t.Errorf("stderr does not name the problem:\n%s", logs.String())
	}
}

func TestRunSecondSignalExits(t *testing.T) {
	released := make(chan struct{})
	release.Store(&released)
	sigs := make(chan os.Signal, 2)
	var running *supervision.Running
	logs, err := runFile(t, "name: app\nchildren:\n  - name: s\n    kind: runtest.stubborn\n    shutdown: infinity\n", sigs, func(_ string, r *supervision.Running) {
		running = r
		sigs <- syscall.SIGTERM
		sigs <- syscall.SIGINT
	})
	// Let the abandoned tree finish before reading what it logged.
	close(released)
	<-running.Done()
	checkExit(t, err, 130)
	if !strings.Contains(logs.String(), "second signal") {
		t.Errorf("log does not say why:\n%s", logs.String())
	}
}

func TestRunReloadRefusesBadFile(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var before []supervision.NodeStatus
	logs, err := runFile(t, "name: app\nchildren:\n  - name: a\n    kind: runtest.idle\n", sigs, func(path string, r *supervision.Running) {
		before = r.Inspect()
		writeTree(t, path, "name: app\nchildren:\n  - name: a\n    kind: no.such.kind\n")
		sigs <- syscall.SIGHUP  // handled first: refused
		sigs <- syscall.SIGTERM // then the stop
	})
	if err != nil {
		t.Fatalf("runTree: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "reload refused; tree unchanged") || !strings.Contains(logs.String(), "no.such.kind") {
		t.Errorf("log does not report the refused reload:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "msg=\"stopping command\"") || strings.Count(logs.String(), "msg=started node=app/a") != 1 {
		t.Errorf("the running tree was touched by a refused reload:\n%s", logs.String())
	}
	if len(before) != 2 {
		t.Errorf("tree before reload: %+v", before)
	}
}

// withHTTP sets --http for one test.
func withHTTP(t *testing.T, addr string) {
	t.Helper()
	runHTTP = addr
	t.Cleanup(func() { runHTTP = "" })
}

// fetch GETs url and returns the body; a hang guard stops a stuck request.
func fetch(t *testing.T, url string) (string, error) {
	t.Helper()
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	res, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return string(body), err
}

// TestRunHTTP: --http serves the running tree, follows a reload, exports
// the transfer statistics, and stops with the tree.
func TestRunHTTP(t *testing.T) {
	addr := proctest.FreeAddr(t)
	withHTTP(t, addr)
	sigs := make(chan os.Signal, 1)
	var status, metrics, reloaded string
	var fetchErr error
	logs, err := runFile(t, "name: app\nchildren:\n  - name: sink\n    kind: runtest.idle\n  - name: stats\n    kind: transfer.stats\n    with: {to: sink}\n", sigs, func(path string, _ *supervision.Running) {
		status, fetchErr = fetch(t, "http://"+addr+"/status.json")
		if fetchErr == nil {
			metrics, fetchErr = fetch(t, "http://"+addr+"/metrics")
		}
		writeTree(t, path, "name: app\nchildren:\n  - name: sink\n    kind: runtest.idle\n  - name: stats\n    kind: transfer.stats\n    with: {to: sink}\n  - name: added\n    kind: runtest.idle\n")
		sigs <- syscall.SIGHUP
		go func() { // after the reload, handled once this callback returns
			defer func() { sigs <- syscall.SIGTERM }()
			for range 10000 { // a hang guard, not a timing assertion
				reloaded, fetchErr = fetch(t, "http://"+addr+"/tree.txt")
				// The new node shows up stopped before it starts.
				if fetchErr != nil || strings.Contains(reloaded, "added: runtest.idle, permanent, shutdown 5s [running]") {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	})
	if err != nil {
		t.Fatalf("runTree: %v\n%s", err, logs.String())
	}
	if fetchErr != nil {
		t.Fatalf("status page: %v\n%s", fetchErr, logs.String())
	}
	for _, want := range []string{`"tree": "app"`, `"path": "app/stats"`, `"kind": "transfer.stats"`, `"state": "running"`} {
		if !strings.Contains(status, want) {
			t.Errorf("status.json lacks %s:\n%s", want, status)
		}
	}
	for _, want := range []string{`bricks_node_restarts_total{kind="runtest.idle",path="app/sink"} 0`,
		`bricks_transfer_messages_total{path="app/stats"} 0`, `bricks_transfer_bytes_total{path="app/stats"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
	if !strings.Contains(reloaded, "  added: runtest.idle, permanent, shutdown 5s [running]\n") {
		t.Errorf("tree.txt after the reload:\n%s", reloaded)
	}
	if !strings.Contains(logs.String(), "msg=\"status page\" url=http://"+addr+"/") {
		t.Errorf("log does not give the page's address:\n%s", logs.String())
	}
	if _, err := fetch(t, "http://"+addr+"/status.json"); err == nil {
		t.Error("the status page still answers after the tree stopped")
	}
}

// TestRunHTTPAddressTaken: a taken --http address is a startup error
// naming it, before any node starts.
func TestRunHTTPAddressTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	withHTTP(t, taken.Addr().String())
	logs, err := runFile(t, "name: app\nchildren:\n  - name: a\n    kind: runtest.idle\n", nil, nil)
	checkExit(t, err, 1)
	if want := "--http: status page: listen on " + taken.Addr().String(); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	if strings.Contains(logs.String(), "tree running") {
		t.Errorf("the tree started:\n%s", logs.String())
	}
}

// TestRunSignalWhileStarting: a start that waits (a child that never says
// it is ready, as a sender whose broker is down) ends on SIGINT, stopping
// what had started, instead of needing SIGKILL.
func TestRunSignalWhileStarting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tree.yaml")
	writeTree(t, path, "name: app\nchildren:\n  - {name: first, kind: runtest.idle}\n  - {name: waits, kind: runtest.neverready}\n")
	var logs testutil.LogBuffer
	logger, _ := newLogger(&logs, "info", "text")
	sigs := make(chan os.Signal, 2)
	sigs <- syscall.SIGHUP // ignored while starting
	done := make(chan error, 1)
	go func() { done <- runTree(context.Background(), path, &logs, logger, sigs, nil) }()
	for !strings.Contains(logs.String(), "reload ignored") {
		time.Sleep(10 * time.Millisecond)
	}
	sigs <- syscall.SIGINT
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runTree = %v, want a clean stop", err)
		}
	case <-time.After(time.Minute): // a hang, not a speed
		t.Fatal("SIGINT did not stop a tree that was starting")
	}
	for _, want := range []string{"stopped while starting", "signal=interrupt", "node=app/first"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}
