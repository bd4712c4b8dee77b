package legacy

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// mapping is a YAML mapping under construction, keys in the order added.
type mapping struct{ n *yaml.Node }

func newMapping() mapping { return mapping{&yaml.Node{Kind: yaml.MappingNode}} }

// add appends key: value; value is a string, an int, a []string (written as
// a flow list) or a *yaml.Node.
func (m mapping) add(key string, value any) *yaml.Node {
	var v *yaml.Node
	switch x := value.(type) {
	case string:
		v = scalar(x)
	case int:
		v = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(x)}
	case time.Duration:
		v = scalar(formatDuration(x))
	case []string:
		v = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, s := range x {
			v.Content = append(v.Content, scalar(s))
		}
	case *yaml.Node:
		v = x
	default:
		panic(fmt.Sprintf("legacy: cannot write %T", value))
	}
	m.n.Content = append(m.n.Content, scalar(key), v)
	return v
}

// scalar is a string; a $ that the tree loader would take for the start of
// ${VAR} or $$ is doubled, so the tree means the text as written.
func scalar(s string) *yaml.Node {
	if strings.Contains(s, "${") || strings.Contains(s, "$$") {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// formatDuration writes d with its largest exact unit: 12m, 90s, 1h.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	default:
		return d.String()
	}
}

// encode writes a document with an optional head comment.
func encode(root *yaml.Node, head string) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: head, Content: []*yaml.Node{root}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
