package actors

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Redacted replaces the value of every secret field wherever a
// configuration is printed or logged.
const Redacted = "<redacted>"

// Redact returns a copy of c in which every secret field that has a value,
// in nested objects too, reads [Redacted]. Printing and logging go through
// it so a password never reaches a terminal or a log file.
func Redact(c *Config) *Config {
	if c == nil {
		return nil
	}
	values := make(map[string]any, len(c.values))
	for name, v := range c.values {
		f := c.spec.Lookup(name)
		switch {
		case f != nil && f.IsSecret:
			v = Redacted
		case f != nil && f.Type == TypeObject:
			if o, ok := v.(*Config); ok {
				v = Redact(o)
			}
		}
		values[name] = v
	}
	return &Config{spec: c.spec, values: values, env: c.env}
}

// LogValue makes a Config log itself through log/slog as a group with
// secrets redacted, so logger.Info("starting", "with", cfg) can never
// print a password.
func (c *Config) LogValue() slog.Value {
	if c == nil {
		return slog.GroupValue()
	}
	r := Redact(c)
	var attrs []slog.Attr
	for _, f := range r.spec.Fields() {
		if v, ok := r.values[f.Name]; ok {
			attrs = append(attrs, slog.Any(f.Name, v)) // a nested *Config resolves through LogValue again
		}
	}
	return slog.GroupValue(attrs...)
}

// ConfigNode renders c as a YAML mapping in Spec order — the inverse of
// Decode, so the result decodes back to the same values. Secrets are
// printed as they are: pass the result of [Redact] to hide them.
func ConfigNode(c *Config) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if c == nil {
		return m
	}
	for _, f := range c.spec.Fields() {
		v, ok := c.values[f.Name]
		if !ok {
			continue
		}
		m.Content = append(m.Content, scalarNode(f.Name), valueNode(v))
	}
	return m
}

// valueNode renders one decoded value.
func valueNode(v any) *yaml.Node {
	switch x := v.(type) {
	case *Config:
		return ConfigNode(x)
	case time.Duration:
		return scalarNode(x.String())
	case map[string]string:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			m.Content = append(m.Content, scalarNode(k), anyNode(x[k]))
		}
		return m
	}
	return anyNode(v)
}

// anyNode lets yaml.v3 pick the style, quoting strings that would read
// back as another type ("61613", "true").
func anyNode(v any) *yaml.Node {
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return scalarNode(fmt.Sprint(v)) // only a hand-built Config can hold an unencodable value
	}
	return n
}

func scalarNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// SiblingRef is a message-flow link: a TypeSibling field (such as `to:`) of
// a node's configuration and the sibling it names.
type SiblingRef struct {
	Field string // key path below `with:`, e.g. "to" or "retry.to"
	Name  string // the sibling's name
}

// SiblingRefs returns the sibling names c's TypeSibling fields hold, nested
// objects included, in Spec order — the message-flow edges `bricks tree`
// draws.
func SiblingRefs(c *Config) []SiblingRef {
	if c == nil {
		return nil
	}
	var out []SiblingRef
	for _, f := range c.spec.Fields() {
		switch v := c.values[f.Name].(type) {
		case string:
			if f.Type == TypeSibling && v != "" {
				out = append(out, SiblingRef{Field: f.Name, Name: v})
			}
		case *Config:
			for _, r := range SiblingRefs(v) {
				out = append(out, SiblingRef{Field: JoinPath(f.Name, r.Field), Name: r.Name})
			}
		}
	}
	return out
}

// FlowText renders a YAML node on one line, e.g. {path: /x, to: broker},
// for listings and reference tables. It restyles n in place.
func FlowText(n *yaml.Node) string {
	setFlow(n)
	out, err := yaml.Marshal(n)
	if err != nil {
		return fmt.Sprint(err)
	}
	return strings.TrimSpace(string(out))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}
