package command

import (
	"fmt"
	"os"
	"syscall"
)

// ExitStatus is how a program ended.
type ExitStatus struct {
	// Code is the exit code, or -1 when the program was killed by a signal
	// or could not be waited for.
	Code int
	// Signal is the signal that killed the program, 0 if it exited.
	Signal syscall.Signal
	// TimedOut is set by Run when the program overran its timeout and was
	// killed.
	TimedOut bool
	// Err is a wait error, nil normally.
	Err error
}

// Success reports a clean exit with code 0.
func (s ExitStatus) Success() bool {
	return s.Code == 0 && s.Signal == 0 && !s.TimedOut && s.Err == nil
}

// String describes the ending for logs: "exit status 3", "killed by signal
// terminated", "timed out".
func (s ExitStatus) String() string {
	switch {
	case s.TimedOut:
		return "timed out"
	case s.Err != nil:
		return s.Err.Error()
	case s.Signal != 0:
		return "killed by signal " + s.Signal.String()
	default:
		return fmt.Sprintf("exit status %d", s.Code)
	}
}

// ExitError is the failure reason of a command actor whose program ended
// abnormally (non-zero exit, signal, timeout).
type ExitError struct {
	Argv   []string
	Status ExitStatus
}

// Error names the program and how it ended.
func (e *ExitError) Error() string {
	return fmt.Sprintf("command %s: %s", e.Argv[0], e.Status)
}

// exitStatus converts what os/exec reports into an ExitStatus.
func exitStatus(ps *os.ProcessState, waitErr error) ExitStatus {
	if ps == nil {
		return ExitStatus{Code: -1, Err: waitErr}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ps.ExitCode()}
}
