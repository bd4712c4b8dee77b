package command

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options says how to run an external program.
type Options struct {
	// Dir is the working directory; empty means the current one.
	Dir string
	// Env holds variables added to (or replacing those of) the inherited
	// environment.
	Env map[string]string
	// Path, when set, replaces PATH, like simplevisor's `path` option.
	Path string
	// Logger receives the program's output, one record per line, tagged
	// with stream=stdout|stderr and the pid. Nil discards the output.
	Logger *slog.Logger
	// Level is the level of the output records.
	Level slog.Level
	// OnLine, when set, is called (from the output goroutines) after each
	// line is logged; command nodes report watchdog progress with it.
	OnLine func()
	// Drain bounds how long output is still read once the program exited:
	// a daemon it forked may hold the pipes open forever. Zero means
	// DefaultDrain.
	Drain time.Duration
	// KillOrphans makes the group die with its leader: once the program
	// exited, whatever it left running in its process group is sent
	// SIGKILL. Owned programs use it so nothing outlives them; commands
	// that start daemons (simplevisor's start scripts) must not.
	KillOrphans bool
}

// DefaultDrain is how long output is read after a program exited when
// Options.Drain is zero.
const DefaultDrain = time.Second

// Process is a running external program, leader of its own process group so
// that it and everything it forks can be signalled at once. Every method is
// safe for concurrent use.
//
// A Process owns two goroutines per output stream and one waiter; all end
// when the program has exited and its output is drained (at most
// Options.Drain later), so a Process never outlives its program for long.
type Process struct {
	argv []string
	pid  int
	done chan struct{}
	exit ExitStatus // set before done is closed
}

// Start launches argv[0] with arguments argv[1:] in a new process group. The
// program's stdin is /dev/null; its stdout and stderr lines go to
// opts.Logger.
func Start(argv []string, opts Options) (*Process, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("command: empty argv")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = opts.Dir
	cmd.Env = environ(opts)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	// Own pipes instead of exec's copying goroutines: Wait must return when
	// the program exits, even if a daemon it forked keeps the pipes open.
	var pipes [2]struct{ r, w *os.File }
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			closePipes(pipes[:i])
			return nil, fmt.Errorf("command %s: pipe: %w", argv[0], err)
		}
		pipes[i].r, pipes[i].w = r, w
	}
	cmd.Stdout, cmd.Stderr = pipes[0].w, pipes[1].w
	if err := cmd.Start(); err != nil {
		closePipes(pipes[:])
		return nil, fmt.Errorf("command %s: %w", argv[0], err)
	}
	for _, p := range pipes {
		p.w.Close() // the child holds its own copies
	}

	p := &Process{argv: argv, pid: cmd.Process.Pid, done: make(chan struct{})}
	log := opts.Logger
	if log != nil {
		log = log.With("pid", p.pid)
	}
	var pumps sync.WaitGroup
	for i, stream := range []string{"stdout", "stderr"} {
		pumps.Add(1)
		go func(r *os.File) {
			defer pumps.Done()
			defer r.Close()
			pumpLines(r, log, opts.Level, stream, opts.OnLine)
		}(pipes[i].r)
	}
	drain := opts.Drain
	if drain <= 0 {
		drain = DefaultDrain
	}
	go func() {
		err := cmd.Wait()
		if opts.KillOrphans {
			p.Kill()
		}
		if !waitTimeout(&pumps, drain) {
			// Someone else holds the pipes: stop reading, do not wait for them.
			for _, pp := range pipes {
				pp.r.SetReadDeadline(time.Now())
			}
			pumps.Wait()
		}
		p.exit = exitStatus(cmd.ProcessState, err)
		close(p.done)
	}()
	return p, nil
}

func closePipes(ps []struct{ r, w *os.File }) {
	for _, p := range ps {
		p.r.Close()
		p.w.Close()
	}
}

// environ builds the child's environment: the inherited one with opts.Env and
// opts.Path applied.
func environ(opts Options) []string {
	if len(opts.Env) == 0 && opts.Path == "" {
		return nil // inherit as is
	}
	env := os.Environ()
	set := func(k, v string) {
		prefix := k + "="
		for i, kv := range env {
			if strings.HasPrefix(kv, prefix) {
				env[i] = prefix + v
				return
			}
		}
		env = append(env, prefix+v)
	}
	for k, v := range opts.Env {
		set(k, v)
	}
	if opts.Path != "" {
		set("PATH", opts.Path)
	}
	return env
}

// waitTimeout waits for wg at most d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// Pid returns the program's pid, which is also its process group id.
func (p *Process) Pid() int { return p.pid }

// Argv returns the command line the process was started with.
func (p *Process) Argv() []string { return p.argv }

// Done is closed once the program exited and its output was drained.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait blocks until the program exited and returns how it ended.
func (p *Process) Wait() ExitStatus {
	<-p.done
	return p.exit
}

// Exit returns how the program ended; call it only after Done is closed.
func (p *Process) Exit() ExitStatus { return p.exit }

// Signal sends sig to the whole process group. A group that no longer exists
// is not an error: there is nothing left to signal.
func (p *Process) Signal(sig syscall.Signal) error {
	err := syscall.Kill(-p.pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("command %s: signal group %d: %w", p.argv[0], p.pid, err)
	}
	return nil
}

// Kill sends SIGKILL to the whole process group.
func (p *Process) Kill() error { return p.Signal(syscall.SIGKILL) }
