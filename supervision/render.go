package supervision

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// Formats are the names Render accepts.
var Formats = []string{"text", "dot", "mermaid", "yaml"}

// Render writes t in the named format: "text" (an indented listing),
// "dot" (Graphviz), "mermaid" (a Mermaid flowchart) or "yaml" (the tree
// file with every default filled in). Secrets are always redacted.
func Render(w io.Writer, t *Tree, format string) error {
	switch format {
	case "text":
		return WriteText(w, t)
	case "dot":
		return WriteDOT(w, t)
	case "mermaid":
		return WriteMermaid(w, t)
	case "yaml":
		return WriteYAML(w, t)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// flowEdge is a message-flow link from a worker to the sibling a
// TypeSibling field of its configuration names.
type flowEdge struct {
	from, to *Node
	field    string
}

// walk visits every node depth first, parents before children, giving its
// path ("sender/workers/indexer") and depth.
func walk(n *Node, path string, depth int, visit func(n *Node, path string, depth int)) {
	if path == "" {
		path = n.Name
	} else {
		path += "/" + n.Name
	}
	visit(n, path, depth)
	for _, c := range n.Children {
		walk(c, path, depth+1, visit)
	}
}

// flowEdges returns the message-flow edges between the children of n.
func flowEdges(n *Node) []flowEdge {
	var out []flowEdge
	for _, c := range n.Children {
		for _, r := range actors.SiblingRefs(c.With) {
			for _, to := range n.Children {
				if to.Name == r.Name {
					out = append(out, flowEdge{from: c, to: to, field: r.Field})
				}
			}
		}
	}
	return out
}

// summary describes a node in a few words: what it is and how it is
// supervised.
func summary(n *Node) []string {
	var parts []string
	if n.App != "" {
		parts = append(parts, "app "+n.App)
	}
	if n.IsSupervisor() {
		parts = append(parts, "supervisor "+n.Strategy.String(),
			fmt.Sprintf("intensity %d in %s", n.Intensity, n.Period))
		if n.Backoff != (Backoff{}) {
			parts = append(parts, fmt.Sprintf("backoff %s..%s", n.Backoff.Min, n.Backoff.Max))
		}
		if n.Cooldown > 0 {
			parts = append(parts, "cooldown "+n.Cooldown.String())
		}
		if n.AutoShutdown != NeverShutdown {
			parts = append(parts, "auto_shutdown "+n.AutoShutdown.String())
		}
	} else {
		parts = append(parts, n.Kind)
	}
	parts = append(parts, n.Restart.String())
	if n.Significant {
		parts = append(parts, "significant")
	}
	parts = append(parts, "shutdown "+n.Shutdown.String())
	if n.Watchdog > 0 {
		parts = append(parts, "watchdog "+n.Watchdog.String())
	}
	return parts
}

// WriteText writes an indented listing: one node per line with its kind or
// strategy, restart type and shutdown, a worker's `with:` values (secrets
// redacted) and its message-flow links ("-> broker (to)").
func WriteText(w io.Writer, t *Tree) error { return writeText(w, t, nil) }

func writeText(w io.Writer, t *Tree, ann Annotate) error {
	bw := bufio.NewWriter(w)
	walk(t.Root, "", 0, func(n *Node, path string, depth int) {
		fmt.Fprintf(bw, "%s%s: %s", strings.Repeat("  ", depth), n.Name, strings.Join(summary(n), ", "))
		if n.With != nil && len(n.With.Values()) > 0 {
			fmt.Fprintf(bw, " %s", actors.FlowText(actors.ConfigNode(actors.Redact(n.With))))
		}
		for _, r := range actors.SiblingRefs(n.With) {
			fmt.Fprintf(bw, " -> %s (%s)", r.Name, r.Field)
		}
		if a := ann.of(path, n); a.Text != "" {
			fmt.Fprintf(bw, " [%s]", a.Text)
		}
		bw.WriteByte('\n')
	})
	return bw.Flush()
}

// WriteDOT writes a Graphviz digraph: supervisors are bold rounded boxes,
// workers plain boxes, supervision edges solid parent -> child, and
// message-flow edges dashed blue, labelled with their field and kept out of
// the layout ranking so the tree keeps its shape.
func WriteDOT(w io.Writer, t *Tree) error { return writeDOT(w, t, nil) }

func writeDOT(w io.Writer, t *Tree, ann Annotate) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n", dotID(t.Root.Name))
	bw.WriteString("  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	var flows []string
	walk(t.Root, "", 0, func(n *Node, path string, _ int) {
		a := ann.of(path, n)
		label := append([]string{n.Name}, summary(n)...)
		if a.Text != "" {
			label = append(label, a.Text)
		}
		for i := range label {
			label[i] = dotEscape(label[i])
		}
		var styles []string
		if n.IsSupervisor() {
			styles = append(styles, "rounded", "bold")
		}
		fill := ""
		if a.Fill != "" {
			styles = append(styles, "filled")
			fill = ", fillcolor=" + dotID(a.Fill)
		}
		style := ""
		if len(styles) > 0 {
			style = `, style="` + strings.Join(styles, ",") + `"` + fill
		}
		fmt.Fprintf(bw, "  %s [label=\"%s\"%s];\n", dotID(path), strings.Join(label, `\n`), style)
		for _, c := range n.Children {
			fmt.Fprintf(bw, "  %s -> %s;\n", dotID(path), dotID(path+"/"+c.Name))
		}
		for _, e := range flowEdges(n) {
			flows = append(flows, fmt.Sprintf("  %s -> %s [style=dashed, color=blue, fontcolor=blue, constraint=false, label=%s];\n",
				dotID(path+"/"+e.from.Name), dotID(path+"/"+e.to.Name), dotID(e.field)))
		}
	})
	if len(flows) > 0 {
		bw.WriteString("  // message flow\n")
		for _, f := range flows {
			bw.WriteString(f)
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// dotID quotes s as a DOT identifier.
func dotID(s string) string { return `"` + dotEscape(s) + `"` }

func dotEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// WriteMermaid writes a Mermaid flowchart: supervision links as solid
// arrows, message flow as dotted arrows labelled with their field.
func WriteMermaid(w io.Writer, t *Tree) error { return writeMermaid(w, t, nil) }

func writeMermaid(w io.Writer, t *Tree, ann Annotate) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("flowchart TD\n")
	ids := map[*Node]string{}
	var supervisors, flows, fills []string
	walk(t.Root, "", 0, func(n *Node, path string, _ int) {
		id := fmt.Sprintf("n%d", len(ids))
		ids[n] = id
		a := ann.of(path, n)
		label := append([]string{n.Name}, summary(n)...)
		if a.Text != "" {
			label = append(label, a.Text)
		}
		if a.Fill != "" {
			fills = append(fills, fmt.Sprintf("  style %s fill:%s\n", id, a.Fill))
		}
		for i := range label {
			label[i] = mermaidEscape(label[i])
		}
		fmt.Fprintf(bw, "  %s[\"%s\"]\n", id, strings.Join(label, "<br/>"))
		if n.IsSupervisor() {
			supervisors = append(supervisors, id)
		}
	})
	walk(t.Root, "", 0, func(n *Node, _ string, _ int) {
		for _, c := range n.Children {
			fmt.Fprintf(bw, "  %s --> %s\n", ids[n], ids[c])
		}
		for _, e := range flowEdges(n) {
			flows = append(flows, fmt.Sprintf("  %s -.->|%s| %s\n", ids[e.from], mermaidEscape(e.field), ids[e.to]))
		}
	})
	for _, f := range flows {
		bw.WriteString(f)
	}
	for _, f := range fills {
		bw.WriteString(f)
	}
	bw.WriteString("  classDef supervisor font-weight:bold,stroke-width:2px\n")
	if len(supervisors) > 0 {
		fmt.Fprintf(bw, "  class %s supervisor\n", strings.Join(supervisors, ","))
	}
	return bw.Flush()
}

// mermaidEscape replaces the characters Mermaid reads as syntax inside a
// quoted label with its entity codes.
func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;").Replace(s)
}

// WriteYAML writes the tree as a tree file with every default filled in
// and secrets redacted; loading the output gives the same tree.
func WriteYAML(w io.Writer, t *Tree) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	root := nodeYAML(t.Root)
	escapeDollars(root)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

// nodeYAML renders one node in the key order of nodeKeys.
func nodeYAML(n *Node) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(k string, v *yaml.Node) { m.Content = append(m.Content, str(k), v) }
	add("name", str(n.Name))
	if !n.IsSupervisor() {
		add("kind", str(n.Kind))
	}
	add("restart", str(n.Restart.String()))
	if n.Significant {
		add("significant", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	add("shutdown", str(n.Shutdown.String()))
	if !n.IsSupervisor() {
		add("watchdog", str(n.Watchdog.String()))
		add("with", actors.ConfigNode(actors.Redact(n.With)))
		return m
	}
	add("strategy", str(n.Strategy.String()))
	add("intensity", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(n.Intensity)})
	add("period", str(n.Period.String()))
	add("backoff", &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Content: []*yaml.Node{
		str("min"), str(n.Backoff.Min.String()), str("max"), str(n.Backoff.Max.String())}})
	add("cooldown", str(n.Cooldown.String()))
	if n.AutoShutdown != NeverShutdown {
		add("auto_shutdown", str(n.AutoShutdown.String()))
	}
	kids := &yaml.Node{Kind: yaml.SequenceNode}
	for _, c := range n.Children {
		kids.Content = append(kids.Content, nodeYAML(c))
	}
	add("children", kids)
	return m
}

// escapeDollars doubles the $ of every value that would otherwise be read
// as a ${VAR} reference or a $$ escape when the printed tree is loaded
// again. Keys are never expanded, so they are left alone.
func escapeDollars(n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.Contains(n.Value, "${") || strings.Contains(n.Value, "$$") {
			n.Value = strings.ReplaceAll(n.Value, "$", "$$")
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			escapeDollars(n.Content[i])
		}
	default:
		for _, c := range n.Content {
			escapeDollars(c)
		}
	}
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// Collapsed returns a copy of t in which every node expanded from an app
// (`app: transfer`) is shown as one node, without the children the
// expansion generated: the tree as its author wrote it. Nodes are shared
// with t except the collapsed ones and their ancestors.
func Collapsed(t *Tree) *Tree {
	return &Tree{File: t.File, Root: collapse(t.Root)}
}

func collapse(n *Node) *Node {
	if n.App != "" {
		c := *n
		c.Children = nil
		return &c
	}
	if len(n.Children) == 0 {
		return n
	}
	c := *n
	c.Children = make([]*Node, len(n.Children))
	for i, ch := range n.Children {
		c.Children[i] = collapse(ch)
	}
	return &c
}
