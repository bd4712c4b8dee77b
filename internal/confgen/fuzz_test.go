package confgen

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParse checks, with simplevisor's options and with stompclt's
// (interpolate), that no input panics, that every error is located on a
// line of the input, and that every node of a parsed tree is too.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a 1\nb = 2\n", "<e>\n<c x>\nk v\n</c>\n</e>\n", "x = <<EOT\n  y\n  EOT\n", "a \\\n b\n",
		"/* c\n*/ a 1\n", "a = $b ${c} \\$d 'e $f'\n", "<x/>\n", "<<include a.conf>>\n", "</x>\n", "a = \"q\"\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	for _, name := range []string{"testdata/stompclt-receiver.conf", "testdata/stompclt-sender.conf"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, interpolate bool) {
		lines := strings.Count(string(data), "\n") + 1
		root, err := Parse("f.conf", data, &Options{InterpolateVars: interpolate, CComments: interpolate, IncludeGlob: true, ReadFile: noFiles, Glob: func(string) ([]string, error) { return nil, nil }})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if pe.Pos.File != "f.conf" || pe.Pos.Line < 1 || pe.Pos.Line > lines {
				t.Fatalf("error at %v, outside the %d lines of the input: %v", pe.Pos, lines, err)
			}
			return
		}
		var walk func(n *Node)
		walk = func(n *Node) {
			for _, c := range n.Children {
				if c.Pos.Line < 1 || c.Pos.Line > lines {
					t.Fatalf("%s at %v, outside the %d lines of the input", c, c.Pos, lines)
				}
				if !c.Block && len(c.Children) > 0 {
					t.Fatalf("option %s has children", c)
				}
				if c.Key == "" {
					t.Fatalf("node without a key at %v", c.Pos)
				}
				walk(c)
			}
		}
		walk(root)
		_ = Unfold(root, "-")
	})
}
