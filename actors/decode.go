package actors

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// SecretFileSuffix turns a secret field name into the key that reads the
// secret from a file instead: `pass` may be given as `pass_file`.
const SecretFileSuffix = "_file"

// DecodeOptions place a `with:` block in its tree.
type DecodeOptions struct {
	// Path is the key path of the block, e.g. "children[0].with"; every
	// error names its key below it.
	Path string
	// Dir is the directory relative NAME_file paths are read from
	// (the tree file's directory); empty means the working directory.
	Dir string
	// Siblings are the names a TypeSibling field may take. Nil leaves
	// sibling fields unchecked (a kind decoded outside a tree).
	Siblings []string
	// Self is the node's own name, which a sibling field may not name.
	Self string
	// At is where a missing required field is reported when the block
	// itself is absent (typically the node that should have had `with:`).
	At *yaml.Node
	// ReadFile reads NAME_file secrets; nil means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
}

// Decode checks a `with:` block against spec and returns its typed values
// with defaults filled in. n may be nil when the block is absent. Every
// problem is reported, as a ConfigErrors of *ConfigError located in file.
func Decode(file string, n *yaml.Node, spec *Spec, opt DecodeOptions) (*Config, error) {
	l := NewLocated(file)
	cfg := l.Decode(n, spec, opt)
	l.Errs.Sort()
	if err := l.Errs.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Decode is the form of [Decode] a loader uses: problems are appended to
// l's list and the Config returned is incomplete when there were any.
func (l Located) Decode(n *yaml.Node, spec *Spec, opt DecodeOptions) *Config {
	if spec == nil {
		spec = NewSpec()
	}
	if opt.ReadFile == nil {
		opt.ReadFile = os.ReadFile
	}
	values := map[string]any{}
	given := map[string]*yaml.Node{} // field name -> key node
	invalid := map[string]bool{}     // given with a value that was refused
	at := opt.At
	if !IsNull(n) {
		at = Resolve(n)
		kvs, ok := l.Mapping(n, opt.Path)
		if !ok {
			return NewConfig(spec, values) // one error for the block, not one per field
		}
		for _, kv := range kvs {
			key, path := kv.Key.Value, JoinPath(opt.Path, kv.Key.Value)
			f, fromFile := lookupKey(spec, key)
			if f == nil {
				l.Errorf(kv.Key, path, "%s", UnknownKey(key, keyNames(spec)))
				continue
			}
			if prev, dup := given[f.Name]; dup {
				l.Errorf(kv.Key, path, "give %s or %s, not both (other at line %d)", f.Name, f.Name+SecretFileSuffix, prev.Line)
				continue
			}
			given[f.Name] = kv.Key
			if IsNull(kv.Value) {
				continue // an explicit null means "not given": the default applies
			}
			v := kv.Value
			invalid[f.Name] = true
			if fromFile {
				var ok bool
				if v, ok = l.readSecret(v, path, opt); !ok {
					continue
				}
				path = JoinPath(opt.Path, f.Name)
			}
			if val, ok := l.decodeValue(v, f, path, opt); ok {
				values[f.Name] = val
				delete(invalid, f.Name)
			}
		}
	}
	for _, f := range spec.Fields() {
		if _, ok := values[f.Name]; ok {
			continue
		}
		if invalid[f.Name] {
			continue // given but wrong: reported already, no default hides it
		}
		switch {
		case f.DefaultVal != nil:
			values[f.Name] = f.DefaultVal
		case f.IsRequired:
			l.Errorf(at, JoinPath(opt.Path, f.Name), "required field missing (%s)", f.Type)
		}
	}
	return NewConfig(spec, values)
}

// lookupKey finds the field a key sets: its own name, or NAME_file for a
// secret field NAME.
func lookupKey(spec *Spec, key string) (f *Field, fromFile bool) {
	if f := spec.Lookup(key); f != nil {
		return f, false
	}
	if name, ok := strings.CutSuffix(key, SecretFileSuffix); ok {
		if f := spec.Lookup(name); f != nil && f.IsSecret {
			return f, true
		}
	}
	return nil, false
}

// keyNames lists the keys a spec accepts, for "unknown key" messages.
func keyNames(spec *Spec) []string {
	var names []string
	for _, f := range spec.Fields() {
		names = append(names, f.Name)
		if f.IsSecret {
			names = append(names, f.Name+SecretFileSuffix)
		}
	}
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

// readSecret reads the file a NAME_file key names and returns its content,
// without the trailing newline editors add, as a scalar node placed where
// the file name was written.
func (l Located) readSecret(v *yaml.Node, path string, opt DecodeOptions) (*yaml.Node, bool) {
	name, ok := l.Scalar(v, path)
	if !ok {
		return nil, false
	}
	if !filepath.IsAbs(name) && opt.Dir != "" {
		name = filepath.Join(opt.Dir, name)
	}
	data, err := opt.ReadFile(name)
	if err != nil {
		l.Errorf(v, path, "cannot read secret: %v", err)
		return nil, false
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(data), "\n"), "\r")
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: v.Line, Column: v.Column}, true
}

// decodeValue converts node v to the Go type field f declares.
func (l Located) decodeValue(v *yaml.Node, f *Field, path string, opt DecodeOptions) (any, bool) {
	v = Resolve(v)
	shown := func() string { // never echo a secret in an error message
		if f.IsSecret {
			return "a secret value"
		}
		return Describe(v)
	}
	switch f.Type {
	case TypeStringList:
		if v.Kind == yaml.ScalarNode {
			return []string{v.Value}, true
		}
		items, ok := l.Sequence(v, path)
		if !ok {
			return nil, false
		}
		out := make([]string, 0, len(items))
		for i, it := range items {
			if s, ok := l.Scalar(it, IndexPath(path, i)); ok {
				out = append(out, s)
			}
		}
		return out, len(out) == len(items)
	case TypeStringMap:
		kvs, ok := l.Mapping(v, path)
		if !ok {
			return nil, false
		}
		out := make(map[string]string, len(kvs))
		for _, kv := range kvs {
			if s, ok := l.Scalar(kv.Value, JoinPath(path, kv.Key.Value)); ok {
				out[kv.Key.Value] = s
			}
		}
		return out, len(out) == len(kvs)
	case TypeObject:
		if Resolve(v).Kind != yaml.MappingNode {
			l.Errorf(v, path, "want a mapping (key: value), got %s", shown())
			return nil, false
		}
		sub := opt
		sub.Path = path
		return l.Decode(v, f.Sub, sub), true
	case TypeAny:
		var out any
		if err := v.Decode(&out); err != nil {
			l.Errorf(v, path, "%v", err)
			return nil, false
		}
		return out, true
	}
	if v.Kind != yaml.ScalarNode {
		l.Errorf(v, path, "want %s, got %s", article(f.Type), shown())
		return nil, false
	}
	s := v.Value
	switch f.Type {
	case TypeInt:
		i, err := strconv.ParseInt(s, 0, strconv.IntSize)
		if err != nil {
			l.Errorf(v, path, "want an integer, got %s", shown())
			return nil, false
		}
		return int(i), true
	case TypeFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			l.Errorf(v, path, "want a number, got %s", shown())
			return nil, false
		}
		return x, true
	case TypeBool:
		switch strings.ToLower(s) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		l.Errorf(v, path, "want true or false, got %s", shown())
		return nil, false
	case TypeDuration:
		d, err := ParseDuration(s)
		if err != nil {
			l.Errorf(v, path, "%v", err)
			return nil, false
		}
		return d, true
	case TypeSibling:
		if opt.Siblings != nil {
			switch {
			case s == opt.Self:
				l.Errorf(v, path, "%q is this node itself, not a sibling", s)
				return nil, false
			case !slices.Contains(opt.Siblings, s):
				l.Errorf(v, path, "no sibling named %q (siblings: %s)", s, siblingList(opt.Siblings, opt.Self))
				return nil, false
			}
		}
		return s, true
	}
	if len(f.EnumVals) > 0 && !slices.Contains(f.EnumVals, s) {
		l.Errorf(v, path, "unknown value %s (want %s)", shown(), strings.Join(f.EnumVals, ", "))
		return nil, false
	}
	return s, true
}

func siblingList(all []string, self string) string {
	var out []string
	for _, s := range all {
		if s != self {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func article(t FieldType) string {
	switch t {
	case TypeInt:
		return "an integer"
	case TypeDuration:
		return "a duration"
	case TypeBool:
		return "true or false"
	case TypeFloat:
		return "a number"
	}
	return "a " + t.String()
}

// ParseDuration reads a tree-file duration: a Go duration with a unit
// ("500ms", "10s", "1m30s"), never negative. A bare number is refused
// rather than guessed to mean seconds or milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q (want a number with a unit, e.g. 500ms, 10s, 2m)", s)
	}
	return d, nil
}
