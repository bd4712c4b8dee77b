package supervision

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors, to be checked with errors.Is.
var (
	// ErrNotRunning: the tree was stopped or has failed.
	ErrNotRunning = errors.New("supervision tree not running")
	// ErrNoNode: no node has the given path.
	ErrNoNode = errors.New("no such node")
	// ErrNotSupervisor: the node is a worker where a supervisor is needed.
	ErrNotSupervisor = errors.New("not a supervisor")
	// ErrRunning: the operation needs the child to be stopped first.
	ErrRunning = errors.New("child is running")
	// ErrExists: a sibling of that name already exists.
	ErrExists = errors.New("child already exists")
	// ErrWatchdog is the reason of a worker failed by its watchdog.
	ErrWatchdog = errors.New("watchdog: no progress")
	// ErrShutdown is the reason given to children stopped because their
	// supervisor stops.
	ErrShutdown = errors.New("shutdown")
)

// IntensityError is why a supervisor gave up: one of its children needed
// more than Intensity restarts within Period. Reason is that child's last
// exit reason; when the child is itself a supervisor that gave up, it is
// another IntensityError, so the chain names the worker at the bottom.
type IntensityError struct {
	Supervisor string
	Child      string
	Intensity  int
	Period     time.Duration
	Reason     error
}

// Error says which supervisor gave up because of which child.
func (e *IntensityError) Error() string {
	return fmt.Sprintf("supervisor %s gave up: child %s exceeded %d restarts within %s: %v",
		e.Supervisor, e.Child, e.Intensity, e.Period, e.Reason)
}

// Unwrap returns the child's last exit reason.
func (e *IntensityError) Unwrap() error { return e.Reason }

// StartError is why a supervisor could not start: one of its children failed
// to start, and the ones started before it were stopped again.
type StartError struct {
	Supervisor string
	Child      string
	Reason     error
}

// Error says which child kept the supervisor from starting.
func (e *StartError) Error() string {
	return fmt.Sprintf("supervisor %s: child %s failed to start: %v", e.Supervisor, e.Child, e.Reason)
}

// Unwrap returns the child's failure.
func (e *StartError) Unwrap() error { return e.Reason }
