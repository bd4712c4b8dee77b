package supervision

import (
	"path/filepath"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// isInclude reports whether a children item is an include rather than a
// node.
func isInclude(item *yaml.Node) bool {
	if item == nil || item.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		if item.Content[i].Value == "include" {
			return true
		}
	}
	return false
}

// include reads the tree file a children item names:
//
//	children:
//	  - include: workers.yaml   # relative to the including file
//	    name: workers2          # optional: replaces the included root's name
//
// The included file's root node takes the item's place. It returns the
// place and root node of the included file, the name override, and false
// after reporting a problem (unreadable file, syntax, include cycle).
func (s *loadState) include(p place, item *yaml.Node, path string) (place, *yaml.Node, *yaml.Node, bool) {
	kvs, _ := p.l.Mapping(item, path)
	var file, name *yaml.Node
	for _, kv := range kvs {
		switch kv.Key.Value {
		case "include":
			file = kv.Value
		case "name":
			name = kv.Value
		default:
			p.l.Errorf(kv.Key, actors.JoinPath(path, kv.Key.Value), "unknown key next to include (want include, name)")
		}
	}
	incPath := actors.JoinPath(path, "include")
	rel, ok := p.l.Scalar(file, incPath)
	if !ok {
		return place{}, nil, nil, false
	}
	target := rel
	if !filepath.IsAbs(target) {
		target = filepath.Join(p.dir, target)
	}
	abs := absPath(target)
	for i, f := range p.chain {
		if f == abs {
			cycle := append(append([]string{}, p.chain[i:]...), abs)
			for j := range cycle {
				cycle[j] = filepath.Base(cycle[j])
			}
			p.l.Errorf(file, incPath, "include cycle: %s", strings.Join(cycle, " -> "))
			return place{}, nil, nil, false
		}
	}
	data, err := s.readFile(target)
	if err != nil {
		p.l.Errorf(file, incPath, "cannot include: %v", err)
		return place{}, nil, nil, false
	}
	inc := place{
		l:     p.l.In(target),
		dir:   filepath.Dir(target),
		chain: append(append([]string{}, p.chain...), abs),
	}
	root := s.parse(inc.l, data, path)
	if root == nil {
		return place{}, nil, nil, false
	}
	return inc, root, name, true
}
