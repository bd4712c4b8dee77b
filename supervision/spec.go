package supervision

import (
	"fmt"
	"strings"
	"time"

	"github.com/bricksmq/bricks/actors"
)

// Strategy says which children a supervisor restarts when one of them fails,
// with the meaning Erlang/OTP gives the same words.
type Strategy int

const (
	// OneForOne restarts only the child that failed.
	OneForOne Strategy = iota
	// OneForAll stops every child (in reverse order) and starts them all again.
	OneForAll
	// RestForOne stops the failed child and every child declared after it,
	// then starts them again in order.
	RestForOne
)

var strategyNames = []string{"one_for_one", "one_for_all", "rest_for_one"}

// String returns the YAML spelling.
func (s Strategy) String() string { return enumName(strategyNames, int(s)) }

// ParseStrategy reads the YAML spelling.
func ParseStrategy(s string) (Strategy, error) {
	i, err := parseEnum(strategyNames, s)
	return Strategy(i), err
}

// Restart says when a child that ended is started again.
type Restart int

const (
	// Permanent children are always restarted.
	Permanent Restart = iota
	// Transient children are restarted only after an abnormal exit.
	Transient
	// Temporary children are never restarted.
	Temporary
)

var restartNames = []string{"permanent", "transient", "temporary"}

// String returns the YAML spelling.
func (r Restart) String() string { return enumName(restartNames, int(r)) }

// ParseRestart reads the YAML spelling.
func ParseRestart(s string) (Restart, error) {
	i, err := parseEnum(restartNames, s)
	return Restart(i), err
}

// Shutdown is how long a child may take to stop before it is killed.
// YAML: a duration ("5s"), "brutal_kill" or "infinity".
type Shutdown struct {
	Timeout    time.Duration
	BrutalKill bool // kill at once, no graceful stop
	Infinity   bool // wait as long as it takes (the default for supervisors)
}

// String returns the YAML spelling.
func (s Shutdown) String() string {
	switch {
	case s.BrutalKill:
		return "brutal_kill"
	case s.Infinity:
		return "infinity"
	default:
		return s.Timeout.String()
	}
}

// Backoff spaces out consecutive restarts of one child, doubling from Min up
// to Max; zero values disable it (OTP restarts at once).
type Backoff struct {
	Min time.Duration
	Max time.Duration
}

// Pos locates a node in its tree file.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats the position as "file:line:col".
func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Defaults, those of Erlang/OTP unless noted.
const (
	DefaultIntensity       = 1
	DefaultPeriod          = 5 * time.Second
	DefaultWorkerShutdown  = 5 * time.Second
	DefaultStrategy        = OneForOne
	DefaultRestart         = Permanent
	DefaultCommandInterval = 30 * time.Second // simplevisor's status-check interval
)

// Node is one entry of a tree: a supervisor when Children is non-empty (or
// Kind is empty), else a worker of the given Kind.
type Node struct {
	Name     string
	Kind     string         // registered actor kind; empty for a supervisor
	With     *actors.Config // validated `with:` of a worker; nil for a supervisor
	Restart  Restart        // how the parent treats this node when it ends
	Shutdown Shutdown       // how long it may take to stop
	Watchdog time.Duration  // a worker silent for longer is failed (0 = off)
	// Significant children end their parent when its AutoShutdown says
	// so; only transient and temporary nodes may be significant.
	Significant bool

	// Supervisor flags (ignored on workers).
	Strategy  Strategy
	Intensity int           // at most Intensity restarts ...
	Period    time.Duration // ... within Period, else this supervisor fails
	Backoff   Backoff
	Cooldown  time.Duration // after giving up, try the whole subtree again after this long (0 = escalate)
	// AutoShutdown ends the supervisor normally once significant children
	// ended (OTP auto_shutdown).
	AutoShutdown AutoShutdown
	Children     []*Node

	Pos Pos    // where the node is declared
	App string // the app (`app: transfer`) this node was expanded from, if any
}

// IsSupervisor reports whether the node supervises children.
func (n *Node) IsSupervisor() bool { return n.Kind == "" }

// Tree is a loaded, validated tree file.
type Tree struct {
	File string
	Root *Node
}

func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("invalid(%d)", i)
}

func parseEnum(names []string, s string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown value %q (want %s)", s, strings.Join(names, ", "))
}
