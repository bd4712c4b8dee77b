package confgen

import (
	"fmt"
	"strings"
)

// dump writes a tree one node a line, indented by depth, with its line:
// `key = "value" @3`, `key (no value) @3`, `<block name> @3`.
func dump(n *Node) string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		for _, c := range n.Children {
			ind := strings.Repeat("  ", depth)
			switch {
			case c.Block && c.Named:
				fmt.Fprintf(&b, "%s<%s %s> @%d\n", ind, c.Key, c.Value, c.Pos.Line)
			case c.Block:
				fmt.Fprintf(&b, "%s<%s> @%d\n", ind, c.Key, c.Pos.Line)
			case c.NoValue:
				fmt.Fprintf(&b, "%s%s (no value) @%d\n", ind, c.Key, c.Pos.Line)
			default:
				fmt.Fprintf(&b, "%s%s = %q @%d\n", ind, c.Key, c.Value, c.Pos.Line)
			}
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// noFiles is a ReadFile for in-memory tests: every include fails.
func noFiles(name string) ([]byte, error) {
	return nil, fmt.Errorf("open %s: no files in this test", name)
}

// memFiles serves files from a map.
func memFiles(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: no such file", name)
	}
}
