package actors

import (
	"fmt"
	"sort"
	"strings"
)

// ConfigError is one problem in a tree file, located by file, line and column
// (1-based, 0 when unknown) and by the key path inside the document
// (e.g. "children[0].restart").
type ConfigError struct {
	File string
	Line int
	Col  int
	Path string
	Msg  string
}

// Error formats the problem as "file:line:col: path: message", the form
// editors and CI logs recognise.
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigErrors collects every problem found in a tree, so a user fixes them
// all in one round instead of one per run.
type ConfigErrors []*ConfigError

// Error lists the problems one per line, in file order.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the problems by file, line and column.
func (es ConfigErrors) Sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns nil when there is no problem, else the collection itself, so
// callers can write `return errs.Err()`.
func (es ConfigErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}
