package apps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
)

// Pid files, as stompclt's --pidfile: the file holds the pid of the
// process that owns it; a second process refuses to start while that pid
// is alive, and a file left by a dead process is taken over.

const pidfileKind = "process.pidfile"

func init() {
	actors.Register(actors.Kind{
		Name:    pidfileKind,
		Summary: "holds a pid file while it runs; fails to start when a live process holds it",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("pid file to write").Example("/run/bricks/mta.pid")),
		New: func(cfg *actors.Config) (actor.Actor, error) { return &pidfileActor{cfg: cfg}, nil },
	})
}

// Pidfile is a pid file held by this process.
type Pidfile struct{ path string }

// AcquirePidfile writes this process's pid into path. It fails when the
// file names another live process; a file naming a dead process (or this
// one) is taken over.
func AcquirePidfile(path string) (*Pidfile, error) {
	self := os.Getpid()
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%d\n", self)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				_ = os.Remove(path)
				return nil, fmt.Errorf("pidfile %s: %w", path, werr)
			}
			return &Pidfile{path: path}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("pidfile %s: %w", path, err)
		}
		pid, err := readPid(path)
		switch {
		case err != nil && errors.Is(err, fs.ErrNotExist):
			continue // removed meanwhile: try again
		case err == nil && pid == self:
			return &Pidfile{path: path}, nil
		case err == nil && alive(pid):
			return nil, fmt.Errorf("pidfile %s: already running as pid %d", path, pid)
		}
		// Unreadable or naming a dead process: stale.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pidfile %s: removing stale file: %w", path, err)
		}
	}
	return nil, fmt.Errorf("pidfile %s: another process keeps creating it", path)
}

// Path is the file's path.
func (p *Pidfile) Path() string { return p.path }

// Release removes the file if it still names this process.
func (p *Pidfile) Release() error {
	if pid, err := readPid(p.path); err != nil || pid != os.Getpid() {
		return nil // gone or taken over: not ours to remove
	}
	if err := os.Remove(p.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pidfile %s: %w", p.path, err)
	}
	return nil
}

func readPid(path string) (int, error) {
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pidfile %s: no pid in %q", path, strings.TrimSpace(string(data)))
	}
	return pid, nil
}

// alive reports whether a process with this pid exists (EPERM: it exists
// but belongs to someone else).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

type pidfileActor struct {
	cfg  *actors.Config
	held *Pidfile
}

// Receive implements actor.Actor.
func (a *pidfileActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		p, err := AcquirePidfile(a.cfg.String("path"))
		if err != nil {
			actors.Fail(ctx, err)
		}
		a.held = p
	case *actor.Stopping, *actor.Restarting:
		if a.held != nil {
			if err := a.held.Release(); err != nil {
				logger(ctx, a.cfg).Warn("cannot remove pid file", "err", err)
			}
			a.held = nil
		}
	}
}
