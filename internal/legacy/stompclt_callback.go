package legacy

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/internal/confgen"
)

// stompclt's callback code (mta.md §5) is Perl run on every message. The
// common case — statements that set or delete headers in the %hdr alias
// stompclt gives code without a `sub` — becomes the transfer's header
// rules; every other statement is reported with its line, as the tree
// cannot run it.

var (
	hdrKey   = `\$hdr\{\s*(?:"([^"$@\\}]*)"|'([^'\\}]*)'|([A-Za-z_][\w]*))\s*\}`
	setConst = regexp.MustCompile(`^` + hdrKey + `\s*=\s*(?:"((?:[^"$@\\]|\\["\\])*)"|'((?:[^'\\]|\\['\\])*)'|(-?\d+(?:\.\d+)?))$`)
	setCopy  = regexp.MustCompile(`^` + hdrKey + `\s*=\s*` + hdrKey + `$`)
	delHdr   = regexp.MustCompile(`^delete\s*\(?\s*` + hdrKey + `\s*\)?$`)
	unescDQ  = regexp.MustCompile(`\\(["\\])`)
	unescSQ  = regexp.MustCompile(`\\(['\\])`)
)

// headerOp is the net effect of the code on one header.
type headerOp struct {
	op    string // "set", "delete" or "copy"
	value string // set: the value; copy: the incoming header copied
}

// callbackRules converts callback code whose line i is at first+i (file
// lines); it returns the header rules (nil when none) and reports what it
// cannot convert.
func (c *scConv) callbackRules(code string, file string, first int) *yaml.Node {
	ops := map[string]headerOp{}
	for i, line := range strings.Split(code, "\n") {
		pos := confgen.Pos{File: file, Line: first + i}
		for _, st := range statements(line) {
			if !c.statement(st, ops) {
				c.problem(pos, "callback code not convertible (only $hdr{name} = \"value\"; and delete $hdr{name}; become header rules): %s", st)
			}
		}
	}
	if len(ops) == 0 {
		return nil
	}
	var del []string
	set, cp := map[string]string{}, map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(ops)) {
		switch op := ops[name]; op.op {
		case "delete":
			del = append(del, name)
		case "set":
			set[name] = op.value
		case "copy":
			cp[name] = op.value
		}
	}
	m := newMapping()
	if len(del) > 0 {
		m.add("delete", del)
	}
	for _, x := range []struct {
		key string
		m   map[string]string
	}{{"copy", cp}, {"set", set}} {
		if len(x.m) == 0 {
			continue
		}
		sub := newMapping()
		for _, k := range slices.Sorted(maps.Keys(x.m)) {
			sub.add(k, x.m[k])
		}
		m.add(x.key, sub.n)
	}
	return m.n
}

// statement applies one Perl statement to ops; false when it is not a
// header assignment or deletion. Statements apply in order, as Perl runs
// them: the rules record each header's final state, with copies resolved
// to the incoming header they read.
func (c *scConv) statement(st string, ops map[string]headerOp) bool {
	if m := setConst.FindStringSubmatch(st); m != nil {
		_, rhs, _ := strings.Cut(st[strings.Index(st, "}")+1:], "=")
		v := m[6] // a number
		switch strings.TrimSpace(rhs)[0] {
		case '"':
			v = unescDQ.ReplaceAllString(m[4], "$1")
		case '\'':
			v = unescSQ.ReplaceAllString(m[5], "$1")
		}
		ops[keyOf(m[1:4])] = headerOp{op: "set", value: v}
		return true
	}
	if m := setCopy.FindStringSubmatch(st); m != nil {
		dst, src := keyOf(m[1:4]), keyOf(m[4:7])
		op := headerOp{op: "copy", value: src}
		if prev, ok := ops[src]; ok {
			switch prev.op {
			case "set", "copy":
				op = prev // the source was already rewritten: copy that
			case "delete":
				return false // copies undef: no rule says that
			}
		}
		ops[dst] = op
		return true
	}
	if m := delHdr.FindStringSubmatch(st); m != nil {
		ops[keyOf(m[1:4])] = headerOp{op: "delete"}
		return true
	}
	return false
}

// keyOf picks the hash key among its three spellings ("x", 'x', x).
func keyOf(alts []string) string { return alts[0] + alts[1] + alts[2] }

// statements splits a line of Perl into statements on ; outside quotes,
// dropping a # comment and blanks.
func statements(line string) []string {
	var out []string
	var cur strings.Builder
	var quote byte
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case quote != 0:
			cur.WriteByte(ch)
			if ch == '\\' && i+1 < len(line) {
				i++
				cur.WriteByte(line[i])
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
			cur.WriteByte(ch)
		case ch == '#':
			flush()
			return out
		case ch == ';':
			flush()
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return out
}

// callback converts callback-code or callback-path into header rules.
func (c *scConv) callback(o options) (*yaml.Node, error) {
	if n := o.last("callback-code"); n != nil {
		first := n.Pos.Line
		if n.HereDoc {
			first++ // the here-doc's text starts on the next line
		}
		file := n.Pos.File
		if file == "command line" {
			file, first = "--callback-code", 1
		}
		return c.callbackRules(n.Value, file, first), nil
	}
	if n := o.last("callback-path"); n != nil {
		data, err := os.ReadFile(n.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: option callback-path: %w", n.Pos, err)
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			return nil, fmt.Errorf("%s: option callback-path: %s is empty", n.Pos, n.Value)
		}
		return c.callbackRules(string(data), n.Value, 1), nil
	}
	return nil, nil
}
