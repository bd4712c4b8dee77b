package confgen

import (
	"regexp"
	"strings"
)

var singleQuoted = regexp.MustCompile(`'[^']+?'`)

// isVarChar reports the characters of a variable name (Config::General:
// letters, digits and _ - . : + ,).
func isVarChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-.:+,", c) >= 0
}

// interpolateVars replaces $name and ${name} with the value of an option in
// vars, leaving single-quoted text and \$ alone. An unknown name is an error,
// as with Config::General's StrictVars.
func interpolateVars(v string, vars map[string]string, pos Pos) (string, error) {
	if !strings.Contains(v, "$") {
		return v, nil
	}
	var b strings.Builder
	quoted := singleQuoted.FindAllStringIndex(v, -1)
	last := 0
	for _, q := range quoted {
		if err := expandPart(&b, v[last:q[0]], vars, pos); err != nil {
			return "", err
		}
		b.WriteString(v[q[0]:q[1]])
		last = q[1]
	}
	if err := expandPart(&b, v[last:], vars, pos); err != nil {
		return "", err
	}
	return b.String(), nil
}

// expandPart expands the variables of s (text outside single quotes) into b.
func expandPart(b *strings.Builder, s string, vars map[string]string, pos Pos) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || (i > 0 && s[i-1] == '\\') {
			b.WriteByte(c)
			continue
		}
		j, brace := i+1, false
		if j < len(s) && s[j] == '{' {
			brace = true
			j++
		}
		k := j
		for k < len(s) && isVarChar(s[k]) {
			k++
		}
		if k == j || (brace && (k >= len(s) || s[k] != '}')) {
			b.WriteByte(c) // not a variable: a literal $
			continue
		}
		name := s[j:k]
		val, ok := vars[name]
		if !ok {
			return errorf(pos, "use of undefined variable $%s (define it with `%s = value` before, in this block or an enclosing one, or write \\$)", name, name)
		}
		b.WriteString(val)
		if brace {
			k++
		}
		i = k - 1
	}
	return nil
}
