package actors

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gopkg.in/yaml.v3"
)

// WriteReference writes the reference of the given kinds as `bricks kinds`
// shows it: per kind its name and summary, then one row per `with:` key —
// nested object keys as "parent.child" — with its type, whether it is
// required or its default, and its description, allowed values and
// secret-file form. Everything comes from the kind's Spec.
func WriteReference(w io.Writer, kinds []Kind) error {
	bw := bufio.NewWriter(w)
	for i, k := range kinds {
		if i > 0 {
			bw.WriteByte('\n')
		}
		fmt.Fprintf(bw, "%s\n", k.Name)
		if k.Summary != "" {
			fmt.Fprintf(bw, "  %s\n", k.Summary)
		}
		if len(k.Spec.Fields()) == 0 {
			bw.WriteString("  (no with: keys)\n")
			continue
		}
		bw.WriteByte('\n')
		var table strings.Builder
		tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  KEY\tTYPE\tDEFAULT\tDESCRIPTION")
		writeFields(tw, k.Spec, "")
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n") {
			bw.WriteString(strings.TrimRight(line, " ")) // no padding after an empty last column
			bw.WriteByte('\n')
		}
		writeExample(bw, k)
	}
	return bw.Flush()
}

// writeExample shows a tree-file node using the kind with its required
// fields and those that have an example value; advanced ones are left out.
func writeExample(w io.Writer, k Kind) {
	with := exampleWith(k.Spec)
	if len(with.Content) == 0 {
		return
	}
	node := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalarNode("kind"), scalarNode(k.Name), scalarNode("with"), with}}
	var out strings.Builder
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if enc.Encode(node) != nil || enc.Close() != nil {
		return
	}
	fmt.Fprintf(w, "\n  example:\n")
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func exampleWith(s *Spec) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range s.Fields() {
		if f.IsAdvanced || (!f.IsRequired && f.ExampleVal == nil) {
			continue
		}
		var v *yaml.Node
		switch {
		case f.ExampleVal != nil:
			v = valueNode(f.ExampleVal)
		case f.Type == TypeObject && f.Sub != nil:
			v = exampleWith(f.Sub)
		default:
			v = scalarNode("<" + f.Type.String() + ">")
		}
		m.Content = append(m.Content, scalarNode(f.Name), v)
	}
	return m
}

func writeFields(w io.Writer, s *Spec, prefix string) {
	for _, f := range s.Fields() {
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", prefix+f.Name, f.Type, defaultText(f), describeField(f))
		if f.Type == TypeObject && f.Sub != nil {
			writeFields(w, f.Sub, prefix+f.Name+".")
		}
	}
}

// defaultText is "required", the default as YAML would spell it, or "-".
func defaultText(f *Field) string {
	switch {
	case f.IsRequired:
		return "required"
	case f.DefaultVal == nil:
		return "-"
	}
	if f.IsSecret {
		return Redacted
	}
	return FlowText(valueNode(f.DefaultVal))
}

func describeField(f *Field) string {
	parts := []string{}
	if f.Desc != "" {
		parts = append(parts, strings.TrimSuffix(f.Desc, "."))
	}
	if len(f.EnumVals) > 0 {
		parts = append(parts, "one of: "+strings.Join(f.EnumVals, ", "))
	}
	if f.IsSecret {
		parts = append(parts, "secret, redacted when printed; or "+f.Name+SecretFileSuffix+": a file holding it")
	}
	if f.ExampleVal != nil {
		parts = append(parts, "e.g. "+FlowText(valueNode(f.ExampleVal)))
	}
	if f.IsAdvanced {
		parts = append(parts, "advanced")
	}
	return strings.Join(parts, "; ")
}
