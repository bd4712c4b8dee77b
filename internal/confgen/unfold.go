package confgen

import "strings"

// Unfold returns a copy of the tree in which every option or block name
// holding sep is split into nested blocks, so that the spellings stompclt
// treats alike give the same tree (sep "-"):
//
//	outgoing-broker-uri = X
//	<outgoing-broker> uri = X </outgoing-broker>
//	<outgoing><broker> uri = X </broker></outgoing>
//
// all become a block outgoing holding a block broker holding uri = X. The
// leading parts of a split name go into the last block of that name already
// at that level (or a new one); a block written out in full is a new block,
// so repeated blocks (several <subscribe>) stay separate, unless the only
// block of that name so far was made up by splitting a name, which it then
// completes. Options keep their order and positions; a made-up block has the
// position of the name that made it. An option given in two spellings
// (outgoing-broker-uri and <outgoing-broker> uri) appears twice, in file
// order: stompclt keeps one of them depending on Perl's hash order, so a
// converter should report such a conflict rather than pick one.
func Unfold(root *Node, sep string) *Node {
	u := unfolder{sep: sep, implied: map[*Node]bool{}}
	out := &Node{Key: root.Key, Value: root.Value, Block: root.Block, Named: root.Named, Pos: root.Pos}
	u.into(out, root.Children)
	return out
}

type unfolder struct {
	sep     string
	implied map[*Node]bool // blocks made up from a split name
}

// into unfolds children into the output block dst.
func (u *unfolder) into(dst *Node, children []*Node) {
	for _, c := range children {
		parts := []string{c.Key}
		if u.sep != "" && strings.Contains(c.Key, u.sep) {
			parts = strings.Split(c.Key, u.sep)
		}
		at := dst
		for _, p := range parts[:len(parts)-1] {
			at = u.level(at, p, c.Pos)
		}
		last := parts[len(parts)-1]
		if !c.Block {
			cp := *c
			cp.Key, cp.Children = last, nil
			at.Children = append(at.Children, &cp)
			continue
		}
		var b *Node
		if !c.Named {
			if prev := lastBlock(at, last); prev != nil && u.implied[prev] {
				b = prev
				delete(u.implied, prev) // now written out: a further one is new
			}
		}
		if b == nil {
			b = &Node{Key: last, Value: c.Value, Block: true, Named: c.Named, Pos: c.Pos}
			at.Children = append(at.Children, b)
		}
		u.into(b, c.Children)
	}
}

// level returns the block named key in dst to put a split name's next part
// in: the last such unnamed block, or a new made-up one.
func (u *unfolder) level(dst *Node, key string, pos Pos) *Node {
	if b := lastBlock(dst, key); b != nil {
		return b
	}
	b := &Node{Key: key, Block: true, Pos: pos}
	u.implied[b] = true
	dst.Children = append(dst.Children, b)
	return b
}

// lastBlock returns dst's last unnamed block called key, or nil.
func lastBlock(dst *Node, key string) *Node {
	for i := len(dst.Children) - 1; i >= 0; i-- {
		if c := dst.Children[i]; c.Block && !c.Named && c.Key == key {
			return c
		}
	}
	return nil
}
