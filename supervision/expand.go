package supervision

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// An app node is a short hand for a whole subtree: a mapping with an `app:`
// key names a registered Expander, which rewrites the mapping into an
// ordinary node (a supervisor with its children) before the loader decodes
// it. Expansion happens inside the loader, so every problem — in the app's
// own keys or in the nodes it produces — is reported at a file:line:col of
// the app node as written. Packages above supervision (apps) register their
// expanders from init; supervision knows none of them.

// Expander rewrites the app node n, found at key path path of the file l
// reads, into a node mapping: name, restart, strategy, children... as a
// tree file would spell them. It reports problems with l.Errorf (at the
// nodes of n, so they carry the app's line:col) and returns nil when the
// app cannot be expanded. The returned nodes should carry the line and
// column of what they were made from, so later errors point there too.
type Expander func(l actors.Located, n *yaml.Node, path string) *yaml.Node

var (
	expandersMu sync.RWMutex
	expanders   = map[string]Expander{}
)

// RegisterExpander makes `app: name` available in tree files. It panics on
// a duplicate or empty name, as registering twice is a programming error.
func RegisterExpander(name string, fn Expander) {
	if name == "" || fn == nil {
		panic("supervision: RegisterExpander needs a name and a function")
	}
	expandersMu.Lock()
	defer expandersMu.Unlock()
	if _, dup := expanders[name]; dup {
		panic(fmt.Sprintf("supervision: app %q registered twice", name))
	}
	expanders[name] = fn
}

// AppNames lists the registered apps, sorted.
func AppNames() []string {
	expandersMu.RLock()
	defer expandersMu.RUnlock()
	names := make([]string, 0, len(expanders))
	for n := range expanders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupExpander(name string) (Expander, bool) {
	expandersMu.RLock()
	defer expandersMu.RUnlock()
	fn, ok := expanders[name]
	return fn, ok
}

// expandApp replaces an app node by its expansion. It returns n itself
// when n has no app key, the expansion when it has one, and ok=false after
// reporting a problem.
func expandApp(l actors.Located, n *yaml.Node, path string) (out *yaml.Node, app string, ok bool) {
	kvs, isMap := l.Mapping(n, path)
	if !isMap {
		return n, "", true // reported when the node is decoded
	}
	i := slices.IndexFunc(kvs, func(kv actors.KeyValue) bool { return kv.Key.Value == "app" })
	if i < 0 {
		return n, "", true
	}
	kv := kvs[i]
	name, ok := l.Scalar(kv.Value, actors.JoinPath(path, "app"))
	if !ok {
		return nil, "", false
	}
	fn, ok := lookupExpander(name)
	if !ok {
		known := AppNames()
		hint := ""
		if best := actors.Closest(name, known); best != "" {
			hint = ", did you mean " + best + "?"
		}
		l.Errorf(kv.Value, actors.JoinPath(path, "app"), "unknown app %q%s (registered: %s)", name, hint, strings.Join(known, ", "))
		return nil, "", false
	}
	before := l.Count()
	out = fn(l, n, path)
	if out == nil && l.Count() == before {
		l.Errorf(kv.Value, actors.JoinPath(path, "app"), "app %q could not be expanded", name)
	}
	if out == nil || l.Count() > before {
		return nil, "", false
	}
	return out, name, true
}
