package confgen

import (
	"regexp"
	"strings"
)

// ParseFile reads the configuration file at path and the files it includes.
func ParseFile(path string, opts *Options) (*Node, error) {
	if opts == nil {
		opts = &Options{}
	}
	r := &reader{opts: opts}
	data, err := r.readFile(path)
	if err != nil {
		return nil, err
	}
	return parse(r, path, data)
}

// Parse reads a configuration held in memory; name is used in positions and
// includes are relative to its directory.
func Parse(name string, data []byte, opts *Options) (*Node, error) {
	if opts == nil {
		opts = &Options{}
	}
	return parse(&reader{opts: opts}, name, data)
}

func parse(r *reader, name string, data []byte) (*Node, error) {
	if err := r.file(name, data); err != nil {
		return nil, err
	}
	return build(r.out, Pos{File: name, Line: 1}, r.opts.InterpolateVars)
}

// scope is an open block while building the tree.
type scope struct {
	node *Node
	vars map[string]string // options visible for interpolation (nil: off)
}

var (
	splitOption = regexp.MustCompile(`\s*=\s*|\s+`)
	quotedBlock = regexp.MustCompile(`^"([^"]+)"$`)
	namedBlock  = regexp.MustCompile(`^(?:"([^"]+)"|(\S+))(?:\s+(?:"([^"]+)"|(.*)))?$`)
	unescape    = regexp.MustCompile(`\\([$\\"#])`)
)

// build nests the logical lines into blocks.
func build(lines []line, rootPos Pos, interpolate bool) (*Node, error) {
	root := &Node{Block: true, Pos: rootPos}
	top := &scope{node: root}
	if interpolate {
		top.vars = map[string]string{}
	}
	stack := []*scope{top}
	for _, l := range lines {
		cur := stack[len(stack)-1]
		if l.here {
			n := &Node{Key: strings.Trim(l.key, blanks), HereDoc: true, Pos: l.pos}
			if n.Key == "" {
				return nil, errorf(l.pos, "missing option name before the here-doc")
			}
			if err := cur.setValue(n, strings.Trim(l.val, blanks)); err != nil {
				return nil, err
			}
			continue
		}
		s := l.text
		switch {
		case strings.HasPrefix(s, "</") && strings.HasSuffix(s, ">") && len(s) > 3:
			name := strings.Trim(strings.Trim(s[2:len(s)-1], blanks), `"`)
			if len(stack) == 1 {
				return nil, errorf(l.pos, "</%s> closes no open block", name)
			}
			if !strings.EqualFold(name, cur.node.Key) {
				return nil, errorf(l.pos, "</%s> does not close <%s> (opened at %s)", name, cur.node.Key, cur.node.Pos)
			}
			stack = stack[:len(stack)-1]
		case strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") && len(s) > 2 && s[1] != '/':
			n, err := cur.block(l.pos, s[1:len(s)-1])
			if err != nil {
				return nil, err
			}
			cur.node.Children = append(cur.node.Children, n)
			child := &scope{node: n}
			if cur.vars != nil {
				child.vars = make(map[string]string, len(cur.vars))
				for k, v := range cur.vars {
					child.vars[k] = v
				}
			}
			stack = append(stack, child)
		default:
			n := &Node{Pos: l.pos}
			value := ""
			if loc := splitOption.FindStringIndex(s); loc != nil {
				n.Key, value = s[:loc[0]], s[loc[1]:]
			} else {
				n.Key, n.NoValue = s, true
			}
			if n.Key == "" {
				return nil, errorf(l.pos, "missing option name before %q", s)
			}
			if err := cur.setValue(n, value); err != nil {
				return nil, err
			}
		}
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1].node
		return nil, errorf(open.Pos, "<%s> is never closed (want </%s>)", open.Key, open.Key)
	}
	return root, nil
}

// setValue finishes an option as Config::General does (surrounding double
// quotes removed, variables interpolated, \$ \\ \" \# unescaped) and adds it
// to the block.
func (sc *scope) setValue(n *Node, v string) error {
	if len(v) > 0 && v[0] == '"' && v[len(v)-1] == '"' {
		v = strings.TrimSuffix(v[1:], `"`)
	}
	if sc.vars != nil {
		var err error
		if v, err = interpolateVars(v, sc.vars, n.Pos); err != nil {
			return err
		}
		if _, seen := sc.defined(n.Key); !seen {
			sc.vars[n.Key] = v
		}
	}
	n.Value = unescape.ReplaceAllString(v, "$1")
	sc.node.Children = append(sc.node.Children, n)
	return nil
}

// defined reports whether this block already has the option key: a repeated
// option does not change the value variables see (Config::General keeps the
// first).
func (sc *scope) defined(key string) (*Node, bool) {
	for _, c := range sc.node.Children {
		if !c.Block && c.Key == key {
			return c, true
		}
	}
	return nil, false
}

// block reads a block header (the text between < and >).
func (sc *scope) block(pos Pos, head string) (*Node, error) {
	head = strings.Trim(head, blanks)
	n := &Node{Block: true, Pos: pos}
	if m := quotedBlock.FindStringSubmatch(head); m != nil {
		n.Key = m[1]
	} else if m := namedBlock.FindStringSubmatch(head); m != nil {
		n.Key = m[1] + m[2]
		n.Value = m[3] + m[4]
		n.Named = n.Value != ""
	} else {
		n.Key = head
	}
	if n.Key == "" {
		return nil, errorf(pos, "block without a name: <%s>", head)
	}
	if sc.vars != nil {
		var err error
		if n.Key, err = interpolateVars(n.Key, sc.vars, pos); err != nil {
			return nil, err
		}
		if n.Named {
			if n.Value, err = interpolateVars(n.Value, sc.vars, pos); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}
