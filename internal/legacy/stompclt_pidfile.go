package legacy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stompclt's pid file protocol (No::Worries::PidFile): the file holds the
// owner's pid, optionally followed by an action ("quit") another process
// wrote; the owner touches it while it runs, so its age tells --status
// whether the owner is still alive. `bricks stompclt` keeps both sides:
// it touches the file and leaves when it reads "quit"; --quit sends
// SIGTERM (and writes the action, for a Perl stompclt still in place).

// statusFreshness is the age past which a pid file is stale (mta.md §2).
const statusFreshness = 60 * time.Second

// TouchInterval is how often a running `bricks stompclt` touches its pid
// file and looks for a quit request.
const TouchInterval = time.Second

// readPidfile returns the pid and action of a stompclt pid file.
func readPidfile(path string) (pid int, action string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	f := strings.Fields(string(data))
	if len(f) == 0 || len(f) > 2 {
		return 0, "", fmt.Errorf("pidfile %s: unexpected contents %q", path, strings.TrimSpace(string(data)))
	}
	if pid, err = strconv.Atoi(f[0]); err != nil || pid <= 0 {
		return 0, "", fmt.Errorf("pidfile %s: unexpected contents %q", path, strings.TrimSpace(string(data)))
	}
	if len(f) == 2 {
		action = f[1]
	}
	return pid, action, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// StompcltStatus reports on the process owning the pid file as stompclt
// --status does, writing "stompclt MESSAGE" to w, and returns the exit
// status: 0 running and fresh, 1 dead or stale, 3 not running (no pid
// file), 4 empty pid file. With a timeout it checks again until the
// process looks alive or the timeout is over.
func StompcltStatus(w io.Writer, path string, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		code, msg := pidfileStatus(path)
		if code == 0 || timeout <= 0 || time.Now().After(deadline) {
			fmt.Fprintf(w, "stompclt %s\n", msg)
			return code
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func pidfileStatus(path string) (int, string) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 3, "does not seem to be running (no pid file)"
	}
	if err != nil {
		return 1, err.Error()
	}
	if st.Size() == 0 {
		return 4, "does not seem to be running yet (empty pid file)"
	}
	pid, _, err := readPidfile(path)
	if err != nil {
		return 1, err.Error()
	}
	if !processAlive(pid) {
		return 1, fmt.Sprintf("(pid %d) does not seem to be running anymore", pid)
	}
	when := st.ModTime().Format(time.ANSIC)
	if time.Since(st.ModTime()) > statusFreshness {
		return 1, fmt.Sprintf("(pid %d) does not seem to be running anymore since %s", pid, when)
	}
	return 0, fmt.Sprintf("(pid %d) was active on %s", pid, when)
}

// StompcltQuit asks the process owning the pid file to quit, as stompclt
// --quit does: it writes the quit action and sends SIGTERM, waits up to
// wait for the process to end, then kills it; a pid file left behind by
// the process is removed. Progress goes to w as "stompclt MESSAGE".
func StompcltQuit(w io.Writer, path string, wait time.Duration) error {
	say := func(format string, args ...any) { fmt.Fprintf(w, "stompclt "+format+"\n", args...) }
	pid, _, err := readPidfile(path)
	if errors.Is(err, fs.ErrNotExist) {
		say("does not seem to be running (no pid file)")
		return nil
	}
	if err != nil {
		return err
	}
	say("(pid %d) is being told to quit...", pid)
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\nquit\n", pid), 0o644); err != nil {
		return fmt.Errorf("pidfile %s: %w", path, err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("pid %d: %w", pid, err)
	}
	deadline := time.Now().Add(wait)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if processAlive(pid) {
		say("(pid %d) is still running, killing it now...", pid)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("pid %d: %w", pid, err)
		}
		for processAlive(pid) {
			time.Sleep(100 * time.Millisecond)
		}
		say("(pid %d) has been successfully killed", pid)
	} else {
		say("does not seem to be running anymore")
	}
	if left, _, err := readPidfile(path); err == nil && left == pid {
		say("removing stale pid file: %s", path)
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pidfile %s: %w", path, err)
		}
	}
	return nil
}

// WatchPidfile touches the pid file this process holds every interval,
// so that --status sees it alive, and calls quit once when another
// process wrote the quit action into it (or the file names another pid).
// It returns when ctx is done.
func WatchPidfile(ctx context.Context, path string, interval time.Duration, quit func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pid, action, err := readPidfile(path)
		if err == nil && (action == "quit" || pid != os.Getpid()) {
			quit()
			return
		}
		now := time.Now()
		_ = os.Chtimes(path, now, now) // a vanished file is --status's "no pid file"
	}
}

// ReleasePidfile removes the pid file if it still names this process,
// with or without a quit action after the pid.
func ReleasePidfile(path string) error {
	pid, _, err := readPidfile(path)
	if err != nil || pid != os.Getpid() {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pidfile %s: %w", path, err)
	}
	return nil
}
