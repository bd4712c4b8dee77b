package confgen

import "fmt"

// Pos is where a key was written: the file and the 1-based line. For a value
// continued over several lines or a here-doc, it is the line of the key.
type Pos struct {
	File string
	Line int
}

// String formats the position as "file:line".
func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Error is a syntax error, located.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns "file:line: message".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// errorf builds an *Error at pos.
func errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Node is one entry of a configuration: an option (key and value) or a block
// holding further nodes. The root returned by [Parse] is an unnamed block with
// an empty Key and the position of the file's first line.
type Node struct {
	Key      string  // option or block name, as written
	Value    string  // option value; for a named block (<service foo>) its name
	Block    bool    // a <block> ... </block>
	Named    bool    // a block with a name
	NoValue  bool    // an option written without a value ("key" alone)
	HereDoc  bool    // the value came from a here-doc
	Children []*Node // a block's content, in file order
	Pos      Pos
}

// All returns the children named key (options and blocks), in order: a key
// repeated in a block is a list.
func (n *Node) All(key string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Key == key {
			out = append(out, c)
		}
	}
	return out
}

// First returns the first child named key, or nil.
func (n *Node) First(key string) *Node {
	for _, c := range n.Children {
		if c.Key == key {
			return c
		}
	}
	return nil
}

// String describes the node for messages: "option key", "block <key>" or
// "block <key name>".
func (n *Node) String() string {
	switch {
	case !n.Block:
		return fmt.Sprintf("option %q", n.Key)
	case n.Named:
		return fmt.Sprintf("block <%s %s>", n.Key, n.Value)
	default:
		return fmt.Sprintf("block <%s>", n.Key)
	}
}

// Values returns the values of the options named key, in order: the list a
// repeated option makes.
func (n *Node) Values(key string) []string {
	var out []string
	for _, c := range n.Children {
		if c.Key == key && !c.Block {
			out = append(out, c.Value)
		}
	}
	return out
}
