package actors

import (
	"fmt"
	"regexp"
	"sort"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// Kind is a named recipe for an actor that a tree file can use with `kind:`.
type Kind struct {
	// Name is the namespaced identifier used in YAML, e.g. "queue.reader".
	Name string
	// Summary is a one-line description shown by `bricks kinds`.
	Summary string
	// Spec describes the fields accepted under `with:`.
	Spec *Spec
	// New builds the actor from a validated configuration. It is called
	// again on every restart, so the actor starts from fresh state.
	New func(cfg *Config) (actor.Actor, error)
	// Validate optionally checks relations between fields that a Spec
	// cannot express (e.g. two mutually exclusive options). It runs after
	// the Spec checks, before anything starts.
	Validate func(cfg *Config) error
	// SignalsReady tells the supervisor to wait for the actor to call
	// SignalReady before it starts the next sibling. Kinds that leave it
	// false count as ready once they have handled actor.Started.
	SignalsReady bool
}

var kindName = regexp.MustCompile(`^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$`)

var registry = struct {
	sync.RWMutex
	kinds map[string]Kind
}{kinds: map[string]Kind{}}

// Register adds a kind to the global registry. It is meant to be called from
// an init function and panics on a malformed or duplicate name or a missing
// constructor, because those are programming errors found at start-up.
func Register(k Kind) {
	if !kindName.MatchString(k.Name) {
		panic(fmt.Sprintf("actors.Register: malformed kind name %q (want lower-case words joined by dots)", k.Name))
	}
	if k.New == nil {
		panic(fmt.Sprintf("actors.Register: kind %q has no New constructor", k.Name))
	}
	if k.Spec == nil {
		k.Spec = NewSpec()
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.kinds[k.Name]; dup {
		panic(fmt.Sprintf("actors.Register: kind %q registered twice", k.Name))
	}
	registry.kinds[k.Name] = k
}

// Lookup returns the kind registered under name.
func Lookup(name string) (Kind, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []Kind {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Kind, 0, len(registry.kinds))
	for _, k := range registry.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames returns the sorted names of every registered kind, for error
// messages that list what is available.
func KindNames() []string {
	ks := Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name
	}
	return names
}
