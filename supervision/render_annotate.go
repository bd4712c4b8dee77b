package supervision

import (
	"fmt"
	"io"
	"strings"
)

// Annotation is what a caller adds to one node of a drawing, typically its
// live state (see package supervision/statuspage).
type Annotation struct {
	// Text is appended to the node: " [Text]" at the end of its line in
	// text, a last label line in DOT and Mermaid.
	Text string
	// Fill is the node's background colour in DOT and Mermaid, as a
	// "#rrggbb" value both accept; empty leaves the node unfilled.
	Fill string
}

// Annotate returns the annotation of node n at path ("root/child"); a zero
// Annotation draws the node as the plain renderers do.
type Annotate func(path string, n *Node) Annotation

// of is nil-safe so the plain renderers can pass no annotations.
func (a Annotate) of(path string, n *Node) Annotation {
	if a == nil {
		return Annotation{}
	}
	return a(path, n)
}

// AnnotatedFormats are the formats RenderAnnotated accepts.
var AnnotatedFormats = []string{"text", "dot", "mermaid"}

// RenderAnnotated writes t like Render, with ann's annotation on every node;
// with a nil ann the output is exactly Render's. The yaml format has no
// place for annotations and is refused.
func RenderAnnotated(w io.Writer, t *Tree, format string, ann Annotate) error {
	switch format {
	case "text":
		return writeText(w, t, ann)
	case "dot":
		return writeDOT(w, t, ann)
	case "mermaid":
		return writeMermaid(w, t, ann)
	}
	return fmt.Errorf("unknown annotated format %q (want %s)", format, strings.Join(AnnotatedFormats, ", "))
}

// Summary describes n in the words the renderers label it with: its app,
// kind or strategy and supervisor flags, restart type, shutdown, watchdog.
func Summary(n *Node) []string { return summary(n) }

// Walk visits root and every node below it depth first, parents before
// children, with its path ("sender/workers/indexer") and depth (0 for
// root): the order and paths of the drawings and of Running.Inspect.
func Walk(root *Node, visit func(n *Node, path string, depth int)) { walk(root, "", 0, visit) }
