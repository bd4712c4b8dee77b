package actors

import (
	"fmt"
	"strings"
)

// Substitute replaces every ${EXPR} in s with value(EXPR) and every $$
// with a single $; any other $ stays as written. It is the one syntax of
// the tree file's ${VAR:-default} and of header templates' ${header}; an
// error of value or an unclosed ${ stops it.
func Substitute(s string, value func(expr string) (string, error)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
			continue
		case '{':
		default:
			b.WriteByte('$')
			s = s[i+1:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", s[i:])
		}
		expr := s[i+2 : i+end]
		v, err := value(expr)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}
