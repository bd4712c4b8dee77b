package supervision

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// Load reads the tree file at path, expands includes and ${ENV}
// references, checks every node against the registered kinds and returns
// the tree with every default filled in. On any problem it returns nil and
// an actors.ConfigErrors listing all of them, each located by file, line,
// column and key path — nothing may start from a tree with errors:
//
//	tree.yaml:14:15: children[0].restart: unknown value "always" (want permanent, transient, temporary)
//
// # Tree files
//
// A tree file holds one node. A node with `kind:` is a worker: an actor of
// that registered kind, configured by its `with:` block (see `bricks
// kinds`). A node with `children:` is a supervisor. A node has one or the
// other, never both.
//
//	name: sender                # required; letters, digits, _ . - ; unique among siblings
//	strategy: rest_for_one      # one_for_one (default) | one_for_all | rest_for_one
//	intensity: 5                # at most 5 restarts (default 1) ...
//	period: 10s                 # ... within 10s (default 5s), else this supervisor fails
//	backoff: {min: 100ms, max: 10s}  # optional, both keys; doubles between restarts of a child
//	cooldown: 1m                # optional: retry the subtree after giving up instead of failing
//	auto_shutdown: never        # never | any_significant | all_significant (OTP); default never,
//	                            # all_significant when a child is significant
//	children:
//	  - name: broker
//	    kind: stomp.connection
//	    restart: permanent      # permanent (default) | transient | temporary
//	    significant: false      # true: its end (not restarted) may end the parent, see auto_shutdown
//	    shutdown: 5s            # a duration (default 5s for workers), brutal_kill, or infinity (supervisors' default)
//	    watchdog: 30s           # optional: a worker silent for longer is failed
//	    with: {uri: "stomp://localhost:61613", pass_file: /etc/bricks/pass}
//	  - include: workers.yaml   # that file's root node goes here (paths relative to this file)
//	    name: workers           # optional: renames it
//
// A node with `app: NAME` is shorthand for a subtree: the expander
// registered under NAME (RegisterExpander; package apps registers
// `transfer`) rewrites it before it is checked, and problems are reported
// at the app node's own lines.
//
// Durations need a unit ("500ms", "10s", "2m"). Every key is checked: an
// unknown key, a bad value, a missing required field, a duplicate sibling
// name, or a sibling field such as `to:` naming no sibling is an error.
//
// Values (never keys) may use the environment: ${VAR} must be set,
// ${VAR:-default} falls back when VAR is unset or empty, and $$ is a
// literal $. Inside a flow mapping ({...}) quote such a value.
//
// A secret field NAME of a kind may instead be given as NAME_file: the
// file's content, without its final newline, is the value. Secrets are
// redacted wherever a tree or a configuration is printed or logged.
//
// YAML anchors, aliases and merge keys (<<: *defaults) work as usual.
func Load(path string) (*Tree, error) { return (&Loader{}).Load(path) }

// LoadBytes is Load for a tree held in memory; name is used in error
// messages and relative includes and secret files are read from its
// directory.
func LoadBytes(name string, data []byte) (*Tree, error) { return (&Loader{}).LoadBytes(name, data) }

// Loader reads tree files. Its zero value uses the process environment and
// the file system; tests replace either.
type Loader struct {
	// LookupEnv resolves ${VAR}; nil means os.LookupEnv.
	LookupEnv func(name string) (string, bool)
	// ReadFile reads included trees and NAME_file secrets; nil means
	// os.ReadFile.
	ReadFile func(name string) ([]byte, error)
}

// Load is the package-level [Load] with this Loader's environment.
func (ld *Loader) Load(path string) (*Tree, error) {
	data, err := ld.readFile(path)
	if err != nil {
		return nil, actors.ConfigErrors{{File: path, Msg: fmt.Sprintf("cannot read tree: %v", err)}}
	}
	return ld.LoadBytes(path, data)
}

// LoadBytes is the package-level [LoadBytes] with this Loader's environment.
func (ld *Loader) LoadBytes(name string, data []byte) (*Tree, error) {
	s := &loadState{Loader: ld}
	l := actors.NewLocated(name)
	var root *Node
	if doc := s.parse(l, data, ""); doc != nil {
		p := place{l: l, dir: filepath.Dir(name), chain: []string{absPath(name)}}
		root = s.node(p, doc, "", nil, []string{})
	}
	if errs := *l.Errs; len(errs) > 0 {
		errs.Sort()
		if len(errs) > MaxErrors {
			more := len(errs) - MaxErrors
			errs = append(errs[:MaxErrors:MaxErrors], &actors.ConfigError{File: name, Msg: fmt.Sprintf("and %d more problems", more)})
		}
		return nil, errs
	}
	return &Tree{File: name, Root: root}, nil
}

func (ld *Loader) readFile(name string) ([]byte, error) {
	if ld.ReadFile != nil {
		return ld.ReadFile(name)
	}
	return os.ReadFile(name)
}

func (ld *Loader) lookupEnv(name string) (string, bool) {
	if ld.LookupEnv != nil {
		return ld.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// loadState is one Load in progress.
type loadState struct {
	*Loader
	nodes int // decoded so far, against MaxNodes
}

// MaxNodes bounds the nodes of one tree. Aliases can repeat a subtree
// (children: [*big, *big, ...]) so that a short file describes an
// exponentially large tree; past this bound Load gives up with an error.
const MaxNodes = 100_000

// MaxErrors is how many problems Load lists before it summarises the rest
// in one last line: past that, more lines only bury the first causes.
const MaxErrors = 100

// place is where the nodes being decoded come from.
type place struct {
	l     actors.Located // their file and the shared error list
	dir   string         // directory relative includes and secret files are read from
	chain []string       // absolute paths of the files included so far, outermost first
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads one YAML document and expands ${ENV} in it; path is the key
// path of its root in the whole tree. It returns nil after reporting a
// syntax error, an empty file or several documents.
func (s *loadState) parse(l actors.Located, data []byte, path string) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.Errorf(nil, path, "empty tree file")
			return nil
		}
		e := &actors.ConfigError{File: l.File, Path: path, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = m[2]
		}
		*l.Errs = append(*l.Errs, e)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		l.Errorf(&extra, path, "a tree file holds one YAML document (found a second one)")
		return nil
	}
	expandEnv(l, &doc, path, s.lookupEnv)
	return actors.Resolve(&doc)
}

// nodeKeys are the keys a node accepts, in the order `check --print` writes
// them; include is only valid as a child list item.
var nodeKeys = []string{"name", "kind", "restart", "significant", "shutdown", "watchdog", "with",
	"strategy", "intensity", "period", "backoff", "cooldown", "auto_shutdown", "children"}

// supervisorOnly are the keys that make sense only on a node with children.
var supervisorOnly = []string{"strategy", "intensity", "period", "backoff", "cooldown", "auto_shutdown", "children"}

var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// node decodes one node mapping at key path path. siblings are the names of
// its siblings (its own included) for `to:`-style fields; name, when not
// nil, is an include's name that replaces the one in the file.
func (s *loadState) node(p place, n *yaml.Node, path string, name *yaml.Node, siblings []string) *Node {
	if s.nodes++; s.nodes > MaxNodes {
		if s.nodes == MaxNodes+1 {
			// Unplaced, so it sorts first: it is the cause of what follows.
			p.l.Errorf(nil, path, "tree has more than %d nodes (do aliases repeat a subtree?)", MaxNodes)
		}
		return nil
	}
	n, app, ok := expandApp(p.l, n, path)
	if !ok {
		return nil
	}
	kvs, ok := p.l.Mapping(n, path)
	if !ok {
		return nil
	}
	node := &Node{
		App:       app,
		Pos:       Pos{File: p.l.File, Line: n.Line, Col: n.Column},
		Restart:   DefaultRestart,
		Strategy:  DefaultStrategy,
		Intensity: DefaultIntensity,
		Period:    DefaultPeriod,
	}
	keys := map[string]actors.KeyValue{}
	for _, kv := range kvs {
		k := kv.Key.Value
		switch {
		case k == "include":
			p.l.Errorf(kv.Key, actors.JoinPath(path, k), "include is only allowed as an item of a children list")
		case !slices.Contains(nodeKeys, k):
			p.l.Errorf(kv.Key, actors.JoinPath(path, k), "%s", actors.UnknownKey(k, nodeKeys))
		default:
			keys[k] = kv
		}
	}
	sub := func(k string) string { return actors.JoinPath(path, k) }

	if name == nil {
		if kv, ok := keys["name"]; ok {
			name = kv.Value
		}
	}
	if name == nil {
		p.l.Errorf(n, sub("name"), "required field missing (every node has a name)")
	} else if v, ok := p.l.Scalar(name, sub("name")); ok {
		if !validName.MatchString(v) {
			p.l.Errorf(name, sub("name"), "bad name %q (want letters, digits, _ . -; / separates the parts of a node path)", v)
		}
		node.Name = v
	}

	kindKV, hasKind := keys["kind"]
	_, hasChildren := keys["children"]
	switch {
	case hasKind && hasChildren:
		p.l.Errorf(kindKV.Key, path, "a node has kind (a worker) or children (a supervisor), not both")
		hasChildren = false
	case !hasKind && !hasChildren:
		p.l.Errorf(n, path, "a node needs kind (a worker) or children (a supervisor)")
	}

	if kv, ok := keys["restart"]; ok {
		if v, ok := p.l.Scalar(kv.Value, sub("restart")); ok {
			r, err := ParseRestart(v)
			if err != nil {
				p.l.Errorf(kv.Value, sub("restart"), "%v", err)
			}
			node.Restart = r
		}
	}
	if kv, ok := keys["significant"]; ok {
		node.Significant = significant(p.l, kv.Value, sub("significant"), node.Restart)
	}
	if hasKind {
		node.Shutdown = Shutdown{Timeout: DefaultWorkerShutdown}
	} else {
		node.Shutdown = Shutdown{Infinity: true}
	}
	if kv, ok := keys["shutdown"]; ok {
		node.Shutdown = s.shutdown(p.l, kv.Value, sub("shutdown"), node.Shutdown)
	}

	if hasKind {
		for _, k := range supervisorOnly {
			if kv, ok := keys[k]; ok && k != "children" {
				p.l.Errorf(kv.Key, sub(k), "only a supervisor (a node with children) takes %s", k)
			}
		}
		if kv, ok := keys["watchdog"]; ok {
			node.Watchdog = duration(p.l, kv.Value, sub("watchdog"), node.Watchdog)
		}
		s.worker(p, node, n, kindKV, keys, path, siblings)
		return node
	}

	s.supervisor(p, node, keys, path, hasChildren)
	return node
}

// supervisor reads a supervisor's flags and children.
func (s *loadState) supervisor(p place, node *Node, keys map[string]actors.KeyValue, path string, hasChildren bool) {
	sub := func(k string) string { return actors.JoinPath(path, k) }
	for _, k := range []string{"watchdog", "with"} {
		if kv, ok := keys[k]; ok {
			p.l.Errorf(kv.Key, sub(k), "only a worker (a node with kind) takes %s", k)
		}
	}
	if kv, ok := keys["strategy"]; ok {
		if v, ok := p.l.Scalar(kv.Value, sub("strategy")); ok {
			st, err := ParseStrategy(v)
			if err != nil {
				p.l.Errorf(kv.Value, sub("strategy"), "%v", err)
			}
			node.Strategy = st
		}
	}
	if kv, ok := keys["intensity"]; ok {
		if v, ok := p.l.Scalar(kv.Value, sub("intensity")); ok {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 {
				p.l.Errorf(kv.Value, sub("intensity"), "want a count of restarts (0 or more), got %q", v)
			}
			node.Intensity = i
		}
	}
	if kv, ok := keys["period"]; ok {
		node.Period = duration(p.l, kv.Value, sub("period"), node.Period)
		if node.Period == 0 {
			p.l.Errorf(kv.Value, sub("period"), "must be longer than 0s")
		}
	}
	if kv, ok := keys["backoff"]; ok {
		node.Backoff = backoff(p.l, kv.Value, sub("backoff"))
	}
	if kv, ok := keys["cooldown"]; ok {
		node.Cooldown = duration(p.l, kv.Value, sub("cooldown"), 0)
	}
	if kv, ok := keys["children"]; ok && hasChildren {
		node.Children = s.children(p, kv.Value, sub("children"))
	}
	node.AutoShutdown = autoShutdown(p.l, keys, sub("auto_shutdown"), node.Children)
}

// worker checks a worker's kind and decodes its `with:` block.
func (s *loadState) worker(p place, node *Node, n *yaml.Node, kindKV actors.KeyValue, keys map[string]actors.KeyValue, path string, siblings []string) {
	v, ok := p.l.Scalar(kindKV.Value, actors.JoinPath(path, "kind"))
	if !ok {
		return
	}
	node.Kind = v
	kind, ok := actors.Lookup(v)
	if !ok {
		hint := ""
		if best := actors.Closest(v, actors.KindNames()); best != "" {
			hint = ", did you mean " + best + "?"
		}
		p.l.Errorf(kindKV.Value, actors.JoinPath(path, "kind"), "unknown kind %q%s (%s)", v, hint, registeredKinds())
		return
	}
	var with *yaml.Node
	at := n
	if kv, ok := keys["with"]; ok {
		with, at = kv.Value, kv.Key
	}
	before := p.l.Count()
	cfg := p.l.Decode(with, kind.Spec, actors.DecodeOptions{
		Path:     actors.JoinPath(path, "with"),
		Dir:      p.dir,
		Siblings: siblings,
		Self:     node.Name,
		At:       at,
		ReadFile: s.readFile,
	})
	if p.l.Count() > before {
		return
	}
	if kind.Validate != nil {
		if err := kind.Validate(cfg); err != nil {
			p.l.Errorf(at, actors.JoinPath(path, "with"), "%v", err)
			return
		}
	}
	node.With = cfg
}

// children decodes a children list: includes are expanded first, then
// names are checked for duplicates, then each child is decoded knowing all
// its siblings' names.
func (s *loadState) children(p place, n *yaml.Node, path string) []*Node {
	items, ok := p.l.Sequence(n, path)
	if !ok {
		return nil
	}
	type child struct {
		p    place
		n    *yaml.Node
		path string
		name *yaml.Node // include's name override
	}
	var kids []child
	var names []string
	type seen struct {
		file string
		n    *yaml.Node
	}
	first := map[string]seen{}
	for i, it := range items {
		c := child{p: p, n: it, path: actors.IndexPath(path, i)}
		if isInclude(it) {
			var ok bool
			if c.p, c.n, c.name, ok = s.include(p, it, c.path); !ok {
				continue
			}
		}
		kids = append(kids, c)
		nameNode, nameL := c.name, p.l // an include's name is written in this file
		if nameNode == nil {
			nameNode, nameL = peekName(c.n), c.p.l
		}
		if nameNode == nil || nameNode.Kind != yaml.ScalarNode {
			continue // reported when the child is decoded
		}
		if prev, dup := first[nameNode.Value]; dup {
			at := fmt.Sprintf("line %d", prev.n.Line)
			if prev.file != nameL.File {
				at = Pos{File: prev.file, Line: prev.n.Line, Col: prev.n.Column}.String()
			}
			nameL.Errorf(nameNode, actors.JoinPath(c.path, "name"), "duplicate name %q (first at %s)", nameNode.Value, at)
			continue
		}
		first[nameNode.Value] = seen{nameL.File, nameNode}
		names = append(names, nameNode.Value)
	}
	out := make([]*Node, 0, len(kids))
	for _, c := range kids {
		if node := s.node(c.p, c.n, c.path, c.name, names); node != nil {
			out = append(out, node)
		}
	}
	return out
}

// peekName returns the value node of a mapping's name key without
// reporting anything: the full decode reports problems once.
func peekName(n *yaml.Node) *yaml.Node {
	kvs, _ := actors.NewLocated("").Mapping(n, "")
	for _, kv := range kvs {
		if kv.Key.Value == "name" {
			return kv.Value
		}
	}
	return nil
}

// shutdown reads a duration, brutal_kill or infinity.
func (s *loadState) shutdown(l actors.Located, n *yaml.Node, path string, def Shutdown) Shutdown {
	v, ok := l.Scalar(n, path)
	if !ok {
		return def
	}
	switch v {
	case "brutal_kill":
		return Shutdown{BrutalKill: true}
	case "infinity":
		return Shutdown{Infinity: true}
	}
	d, err := actors.ParseDuration(v)
	switch {
	case err != nil:
		l.Errorf(n, path, "bad shutdown %q (want a duration such as 5s, brutal_kill or infinity)", v)
		return def
	case d == 0:
		l.Errorf(n, path, "must be longer than 0s (write brutal_kill to stop at once)")
		return def
	}
	return Shutdown{Timeout: d}
}

// duration reads a non-negative duration, reporting a bad one.
func duration(l actors.Located, n *yaml.Node, path string, def time.Duration) time.Duration {
	v, ok := l.Scalar(n, path)
	if !ok {
		return def
	}
	d, err := actors.ParseDuration(v)
	if err != nil {
		l.Errorf(n, path, "%v", err)
		return def
	}
	return d
}

// backoff reads {min, max}; both are required and min may not exceed max.
func backoff(l actors.Located, n *yaml.Node, path string) Backoff {
	kvs, ok := l.Mapping(n, path)
	if !ok {
		return Backoff{}
	}
	var b Backoff
	var have [2]bool
	for _, kv := range kvs {
		p := actors.JoinPath(path, kv.Key.Value)
		switch kv.Key.Value {
		case "min":
			b.Min, have[0] = duration(l, kv.Value, p, 0), true
		case "max":
			b.Max, have[1] = duration(l, kv.Value, p, 0), true
		default:
			l.Errorf(kv.Key, p, "%s", actors.UnknownKey(kv.Key.Value, []string{"min", "max"}))
		}
	}
	for i, k := range []string{"min", "max"} {
		if !have[i] {
			l.Errorf(n, actors.JoinPath(path, k), "required field missing (backoff takes both min and max)")
		}
	}
	if have[0] && have[1] && b.Min > b.Max {
		l.Errorf(n, path, "min %s is longer than max %s", b.Min, b.Max)
	}
	return b
}

func absPath(name string) string {
	if a, err := filepath.Abs(name); err == nil {
		return a
	}
	return name
}

// registeredKinds lists the kinds a tree may use, for "unknown kind" errors.
func registeredKinds() string {
	names := actors.KindNames()
	if len(names) == 0 {
		return "no kinds are registered"
	}
	return "registered: " + strings.Join(names, ", ")
}

// significant reads a node's significant flag; as in OTP, a permanent node
// cannot be significant (it never ends for good).
func significant(l actors.Located, n *yaml.Node, path string, r Restart) bool {
	v, ok := l.Scalar(n, path)
	if !ok {
		return false
	}
	switch v {
	case "true":
		if r == Permanent {
			l.Errorf(n, path, "a permanent node cannot be significant (make it restart: transient or temporary)")
		}
		return true
	case "false":
		return false
	}
	l.Errorf(n, path, "want true or false, got %q", v)
	return false
}

// autoShutdown reads a supervisor's auto_shutdown flag. Unlike OTP, where
// it defaults to never, a supervisor with a significant child and no flag
// gets all_significant: a file of finite jobs then ends by itself when
// they are all done, which is what marking them significant asks for.
func autoShutdown(l actors.Located, keys map[string]actors.KeyValue, path string, children []*Node) AutoShutdown {
	kv, ok := keys["auto_shutdown"]
	if !ok {
		if slices.ContainsFunc(children, func(c *Node) bool { return c.Significant }) {
			return AllSignificant
		}
		return NeverShutdown
	}
	v, ok := l.Scalar(kv.Value, path)
	if !ok {
		return NeverShutdown
	}
	a, err := ParseAutoShutdown(v)
	if err != nil {
		l.Errorf(kv.Value, path, "%v", err)
	}
	return a
}
