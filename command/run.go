package command

import (
	"context"
	"time"
)

// Run starts argv, waits for it to end at most timeout (0 = no limit) and
// returns how it ended. A program that overruns the timeout, or is still
// running when ctx is cancelled, is killed with its whole process group; its
// status then has TimedOut set (a timeout counts as a failure, as in
// simplevisor) or Err = ctx.Err(). The returned error is only about starting.
func Run(ctx context.Context, argv []string, opts Options, timeout time.Duration) (ExitStatus, error) {
	p, err := Start(argv, opts)
	if err != nil {
		return ExitStatus{Code: -1, Err: err}, err
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-p.Done():
		return p.Exit(), nil
	case <-expired:
		p.Kill()
		st := p.Wait()
		st.TimedOut = true
		return st, nil
	case <-ctx.Done():
		p.Kill()
		st := p.Wait()
		st.Err = ctx.Err()
		return st, nil
	}
}

// State is what an LSB status command says about a service.
type State int

const (
	// Running: the status command exited 0.
	Running State = iota
	// Stopped: the status command exited 3.
	Stopped
	// Dirty: any other ending (dead with a pidfile, hung, timed out,
	// killed, unknown).
	Dirty
)

var stateNames = []string{"running", "stopped", "dirty"}

// String returns "running", "stopped" or "dirty".
func (s State) String() string { return stateNames[s] }

// LSBState interprets a status command's ending with the LSB convention
// simplevisor uses: 0 running, 3 stopped, anything else dirty.
func LSBState(st ExitStatus) State {
	switch {
	case st.TimedOut || st.Signal != 0 || st.Err != nil:
		return Dirty
	case st.Code == 0:
		return Running
	case st.Code == 3:
		return Stopped
	default:
		return Dirty
	}
}
