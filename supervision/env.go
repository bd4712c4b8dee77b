package supervision

import (
	"fmt"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in every scalar value of
// the document under n — keys are left alone, so the environment can fill
// in values but never change a tree's shape. path is the key path of n in
// the whole tree, for error messages. Aliases are not followed: each
// scalar is expanded once, where its anchor defines it.
func expandEnv(l actors.Located, n *yaml.Node, path string, lookup func(string) (string, bool)) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandEnv(l, c, path, lookup)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandEnv(l, c, actors.IndexPath(path, i), lookup)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandEnv(l, n.Content[i+1], actors.JoinPath(path, n.Content[i].Value), lookup)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "$") {
			return
		}
		s, err := expand(n.Value, lookup)
		if err != nil {
			l.Spoil(n, path, "%v", err)
			return
		}
		if s != n.Value && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			// A plain ${PORT} was resolved as a string; let the
			// substituted text resolve on its own (an int, a bool...).
			n.Tag = ""
		}
		n.Value = s
	}
}

// expand substitutes one string, shell style: ${VAR} must be set (it may be
// empty), ${VAR:-default} uses default when VAR is unset or empty, and $$
// stands for a literal $. Any other $ is kept as written.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	return actors.Substitute(s, func(expr string) (string, error) {
		name, def, hasDef := strings.Cut(expr, ":-")
		if !validEnvName(name) {
			return "", fmt.Errorf("bad variable name %q in ${%s} (want letters, digits and _, then optionally :-default)", name, expr)
		}
		v, ok := lookup(name)
		switch {
		case hasDef && v == "":
			v = def
		case !ok:
			return "", fmt.Errorf("environment variable %s is not set (write ${%s:-default} to give a default)", name, name)
		}
		return v, nil
	})
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
