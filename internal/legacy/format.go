package legacy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bricksmq/bricks/internal/confgen"
)

// Format is a legacy configuration format `bricks import` reads.
type Format struct {
	Name    string // subcommand name: bricks import NAME FILE
	Summary string // one line for the command's help
	Long    string // the rest of the help
	// Convert reads the file at path. It returns a tree whenever something
	// could be converted, with the problems met; else an error (an
	// *ErrNothingConverted, or the file could not be read).
	Convert func(path string) (*Result, error)
}

var formats []Format

// register adds a format; each converter registers itself from init.
func register(f Format) {
	formats = append(formats, f)
	slices.SortFunc(formats, func(a, b Format) int { return strings.Compare(a.Name, b.Name) })
}

// Formats returns the registered formats, sorted by name.
func Formats() []Format { return slices.Clone(formats) }

// Problem is something of the legacy file that was not converted, or was
// converted with a change of meaning.
type Problem struct {
	Pos confgen.Pos
	Msg string
}

// String returns "file:line: message".
func (p Problem) String() string { return p.Pos.String() + ": " + p.Msg }

// Result is a converted configuration.
type Result struct {
	Tree      []byte    // the bricks tree, YAML
	Problems  []Problem // in file order
	Converted int       // supervised programs (workers) in Tree
}

// ErrNothingConverted is returned when no tree could be made; Problems say
// why.
type ErrNothingConverted struct {
	File     string
	Problems []Problem
}

func (e *ErrNothingConverted) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("%s: nothing could be converted: %s", e.File, e.Problems[0])
	}
	return fmt.Sprintf("%s: nothing could be converted (%d problems)", e.File, len(e.Problems))
}

// sortProblems puts problems in the order of the lines they are about: by
// file, in the order files are read (includes where they stand), then by
// line.
func sortProblems(root *confgen.Node, ps []Problem) {
	order := map[string]int{root.Pos.File: 0}
	var walk func(n *confgen.Node)
	walk = func(n *confgen.Node) {
		for _, c := range n.Children {
			if _, ok := order[c.Pos.File]; !ok {
				order[c.Pos.File] = len(order)
			}
			walk(c)
		}
	}
	walk(root)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(order[a.Pos.File], order[b.Pos.File]), cmp.Compare(a.Pos.Line, b.Pos.Line))
	})
}
