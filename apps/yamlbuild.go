package apps

import (
	"gopkg.in/yaml.v3"
)

// Small builders for the YAML an expansion produces. Every node made here
// carries the line and column of the app-file node it stands for, so a
// problem the loader finds later in the expanded tree is still reported at
// a place the user wrote.

// ymap is a mapping under construction.
type ymap struct{ n *yaml.Node }

// newMap starts a mapping located at the node at.
func newMap(at *yaml.Node) ymap {
	return ymap{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Column}}
}

// set appends key: v (v is used as is, keeping its position).
func (m ymap) set(key string, v *yaml.Node) ymap {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: v.Line, Column: v.Column}
	m.n.Content = append(m.n.Content, k, v)
	return m
}

// str appends key: "value", located at at.
func (m ymap) str(key, value string, at *yaml.Node) ymap {
	return m.set(key, scalar(value, at))
}

// has reports whether the mapping already holds key.
func (m ymap) has(key string) bool {
	for i := 0; i+1 < len(m.n.Content); i += 2 {
		if m.n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// scalar is a plain scalar located at at; the loader resolves its type
// (an int, a bool, a duration string) as it would for a written one.
func scalar(value string, at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: value, Line: at.Line, Column: at.Column}
}

// list is a sequence of nodes located at at.
func list(at *yaml.Node, items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: at.Line, Column: at.Column, Content: items}
}
