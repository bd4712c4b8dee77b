// Package proctest runs programs as child processes of a test — a freshly
// built bricks binary, a broker — so that tests can crash them (SIGKILL),
// restart them and read their memory use from /proc, which an in-process
// tree cannot offer.
package proctest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BuildBricks compiles cmd/bricks into dir and returns the binary's path.
// It is meant for TestMain (no testing.TB there), once per package run.
func BuildBricks(dir string) (string, error) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			return "", fmt.Errorf("building bricks: no go tool: %w", err)
		}
	}
	bin := filepath.Join(dir, "bricks")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/bricksmq/bricks/cmd/bricks")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building bricks: %w\n%s", err, out)
	}
	return bin, nil
}

// Proc is a running child process, in a session of its own (a signal to
// the test's process group does not reach it), its stdout and stderr
// appended to a log file.
type Proc struct {
	Name string // what the process is, for messages
	Log  string // the log file
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// Start runs program with args, appending its output to logFile. The
// process is killed when the test ends if it is still running.
func Start(t testing.TB, name, logFile, program string, args ...string) *Proc {
	t.Helper()
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	cmd := exec.Command(program, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &Proc{Name: name, Log: logFile, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop(t, syscall.SIGKILL) })
	return p
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited and was reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends sig and waits for the process to exit; a process still there
// after a minute is killed (a hang is reported, not waited out). It
// returns Wait's error: for sig other than SIGKILL, nil means a clean exit.
func (p *Proc) Stop(t testing.TB, sig syscall.Signal) error {
	t.Helper()
	if done, err := p.Exited(); done {
		return err
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Errorf("%s (pid %d) ignored %v for a minute: killed", p.Name, p.Pid(), sig)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// Tail returns the last n lines of the process's log.
func (p *Proc) Tail(n int) string {
	b, err := os.ReadFile(p.Log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// MemoryKiB reads a "kB" field of /proc/PID/status of the process, e.g.
// "VmRSS" (resident now) or "VmHWM" (resident peak).
func (p *Proc) MemoryKiB(field string) (int, error) { return StatusKiB(p.Pid(), field) }

// StatusKiB reads a "kB" field of /proc/PID/status.
func StatusKiB(pid int, field string) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// FreeAddr returns a 127.0.0.1 address nothing listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// ErrExited is returned by WaitListening when the process exits first.
var ErrExited = errors.New("exited before listening")

// WaitListening waits until addr accepts connections. It fails t if p
// exits first or it takes two minutes (a hang, not a slowness).
func WaitListening(t testing.TB, p *Proc, addr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		if done, werr := p.Exited(); done {
			t.Fatalf("%s %v on %s (%v); log:\n%s", p.Name, ErrExited, addr, werr, p.Tail(20))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s; log:\n%s", p.Name, addr, p.Tail(20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ScratchDir returns a fresh directory removed when the test ends: on
// /dev/shm when the machine has it (directory queues create and rename
// many small files, which a slow disk makes the bottleneck), else under
// t.TempDir. The second result names where it is, for reports.
func ScratchDir(t testing.TB) (dir, where string) {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "bricks-test-"); err == nil {
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir, "tmpfs /dev/shm"
		}
	}
	return t.TempDir(), "disk (no /dev/shm)"
}
