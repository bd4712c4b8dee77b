package command

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"time"
)

// FindProcesses returns the pids of the live processes (zombies and this
// process excluded) whose command line, arguments joined by spaces, matches
// re — simplevisor's `pattern`, read from Linux /proc.
func FindProcesses(re *regexp.Regexp) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("process table: %w", err)
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(cmdline) == 0 {
			continue // gone meanwhile, a kernel thread, or a zombie
		}
		line := bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '})
		if re.Match(line) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// patternCheck is the status of a pattern service, as an LSB status command
// would report it: exit 0 when a matching process runs, 3 when none does, 1
// when the process table cannot be read.
func patternCheck(re *regexp.Regexp) ExitStatus {
	pids, err := FindProcesses(re)
	switch {
	case err != nil:
		return ExitStatus{Code: 1, Err: err}
	case len(pids) > 0:
		return ExitStatus{Code: 0}
	default:
		return ExitStatus{Code: 3}
	}
}

// stopPattern sends SIGTERM to every process matching re, waits up to
// timeout (polling every interval) for them to end, then sends SIGKILL to
// those left, as simplevisor does for a pattern service.
func stopPattern(ctx context.Context, re *regexp.Regexp, timeout, interval time.Duration) error {
	signalAll := func(sig syscall.Signal) error {
		pids, err := FindProcesses(re)
		if err != nil {
			return err
		}
		for _, pid := range pids {
			syscall.Kill(pid, sig) // a process gone meanwhile is what we want
		}
		return nil
	}
	if err := signalAll(syscall.SIGTERM); err != nil {
		return err
	}
	gone := func(context.Context) bool { return patternCheck(re).Code == 3 }
	err := pollUntil(ctx, timeout, interval, "processes matching "+re.String()+" gone", gone)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if err := signalAll(syscall.SIGKILL); err != nil {
		return err
	}
	return pollUntil(ctx, timeout, interval, "processes matching "+re.String()+" killed", gone)
}
