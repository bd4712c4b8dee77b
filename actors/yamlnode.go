package actors

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Located walks one file's yaml.Node tree and collects located problems into
// a list shared by every Located copied from it, so a loader that follows
// includes into other files still gathers all errors in one place.
type Located struct {
	File string        // the file the nodes come from
	Errs *ConfigErrors // where problems are appended
	memo *walkMemo     // shared by every copy, across files
}

// walkMemo remembers what a walk already did, so each YAML node is
// reported and expanded once however many aliases point at it — without
// it, nested merge keys (<<: [*a, *a, ...]) take exponential time.
type walkMemo struct {
	spoiled  map[*yaml.Node]bool // reported as unusable (e.g. a failed ${VAR})
	mappings map[*yaml.Node]mappingResult
}

type mappingResult struct {
	kvs []KeyValue
	ok  bool
}

// NewLocated starts a fresh error list for nodes of file.
func NewLocated(file string) Located {
	return Located{File: file, Errs: new(ConfigErrors), memo: &walkMemo{
		spoiled:  map[*yaml.Node]bool{},
		mappings: map[*yaml.Node]mappingResult{},
	}}
}

// In returns a Located for another file that appends to the same list.
func (l Located) In(file string) Located { l.File = file; return l }

// Spoil records a problem at n like Errorf and silences any later one
// about n, so a single cause yields a single message.
func (l Located) Spoil(n *yaml.Node, path, format string, args ...any) {
	l.Errorf(n, path, format, args...)
	l.memo.spoiled[n] = true
}

// Errorf records a problem at node n (nil: position unknown) under key path.
func (l Located) Errorf(n *yaml.Node, path, format string, args ...any) {
	if l.memo != nil && l.memo.spoiled[n] {
		return
	}
	e := &ConfigError{File: l.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	*l.Errs = append(*l.Errs, e)
}

// Count is the number of problems recorded so far, so a caller can tell
// whether a step added any.
func (l Located) Count() int { return len(*l.Errs) }

// KeyValue is one entry of a YAML mapping.
type KeyValue struct {
	Key   *yaml.Node // a scalar
	Value *yaml.Node // aliases already resolved
}

// Resolve follows alias nodes (`*name`) to the node they stand for and
// unwraps a document node to its content.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch {
		case n.Kind == yaml.AliasNode:
			n = n.Alias
		case n.Kind == yaml.DocumentNode && len(n.Content) == 1:
			n = n.Content[0]
		default:
			return n
		}
	}
	return nil
}

// IsNull reports whether n is absent or an explicit YAML null (`~`, `null`,
// or nothing after the colon).
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Mapping returns the entries of mapping node n in file order, with merge
// keys (`<<: *base`) expanded — keys written in the mapping itself win over
// merged ones — and duplicate keys reported. It reports a non-mapping node
// and returns ok=false. A node reached again through an alias gives the
// same entries without its problems being reported twice; the entries are
// shared and must not be modified.
func (l Located) Mapping(n *yaml.Node, path string) (kvs []KeyValue, ok bool) {
	n = Resolve(n)
	if l.memo == nil || n == nil {
		return l.mapping(n, path)
	}
	if r, done := l.memo.mappings[n]; done {
		return r.kvs, r.ok
	}
	l.memo.mappings[n] = mappingResult{} // a mapping merging itself sees it empty
	kvs, ok = l.mapping(n, path)
	l.memo.mappings[n] = mappingResult{kvs, ok}
	return kvs, ok
}

func (l Located) mapping(n *yaml.Node, path string) (kvs []KeyValue, ok bool) {
	if n == nil || n.Kind != yaml.MappingNode {
		l.Errorf(n, path, "want a mapping (key: value), got %s", Describe(n))
		return nil, false
	}
	seen := map[string]*yaml.Node{}
	var merged []KeyValue
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Resolve(n.Content[i+1])
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, l.merge(v, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			l.Errorf(k, path, "want a plain key, got %s", Describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			l.Errorf(k, JoinPath(path, k.Value), "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		kvs = append(kvs, KeyValue{Key: k, Value: v})
	}
	for _, kv := range merged {
		if _, over := seen[kv.Key.Value]; !over {
			seen[kv.Key.Value] = kv.Key
			kvs = append(kvs, kv)
		}
	}
	return kvs, true
}

// merge returns the entries a merge key brings in: one mapping or a list of
// them, earlier mappings winning over later ones as YAML specifies.
func (l Located) merge(v *yaml.Node, path string) []KeyValue {
	var sources []*yaml.Node
	if v != nil && v.Kind == yaml.SequenceNode {
		for _, s := range v.Content {
			sources = append(sources, Resolve(s))
		}
	} else {
		sources = []*yaml.Node{v}
	}
	var out []KeyValue
	have := map[string]bool{}
	for _, s := range sources {
		kvs, ok := l.Mapping(s, JoinPath(path, "<<"))
		if !ok {
			continue
		}
		for _, kv := range kvs {
			if !have[kv.Key.Value] {
				have[kv.Key.Value] = true
				out = append(out, kv)
			}
		}
	}
	return out
}

// Sequence returns the items of sequence node n, aliases resolved, or
// reports a non-sequence and returns ok=false.
func (l Located) Sequence(n *yaml.Node, path string) (items []*yaml.Node, ok bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		l.Errorf(n, path, "want a list, got %s", Describe(n))
		return nil, false
	}
	items = make([]*yaml.Node, len(n.Content))
	for i, it := range n.Content {
		items[i] = Resolve(it)
	}
	return items, true
}

// Scalar returns the text of scalar node n, or reports another node kind
// and returns ok=false.
func (l Located) Scalar(n *yaml.Node, path string) (string, bool) {
	n = Resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		l.Errorf(n, path, "want a single value, got %s", Describe(n))
		return "", false
	}
	return n.Value, true
}

// Describe names the kind of YAML found, for "want X, got Y" messages.
func Describe(n *yaml.Node) string {
	n = Resolve(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	default:
		return strconv.Quote(n.Value)
	}
}

// JoinPath appends key to a dotted key path ("children[0]" + "restart").
func JoinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

// IndexPath appends a list index to a key path ("children" + 2).
func IndexPath(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

// UnknownKey is the message for a key that is not one of want, suggesting
// the closest one when the key looks like a typo ("restrat").
func UnknownKey(key string, want []string) string {
	list := strings.Join(want, ", ")
	if best := Closest(key, want); best != "" {
		return fmt.Sprintf("unknown key, did you mean %s? (want %s)", best, list)
	}
	return fmt.Sprintf("unknown key (want %s)", list)
}

// Closest returns the option s is most likely a typo of (at most two
// edits away), or "" when none is that close.
func Closest(s string, options []string) string {
	best, bestDist := "", 3
	for _, o := range options {
		if d := editDistance(s, o); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
