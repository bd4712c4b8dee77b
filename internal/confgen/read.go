package confgen

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Options are the Config::General settings a program reads its files with;
// [SimplevisorOptions] and [StompcltOptions] return those of the two
// programs. Includes are always relative to the including file and a file
// may be included again (IncludeRelative, IncludeAgain), as both use.
type Options struct {
	// InterpolateVars replaces $name and ${name} in values, as
	// Config::General's InterPolateVars.
	InterpolateVars bool
	// CComments removes /* C comments */ (Config::General's default;
	// stompclt turns it off).
	CComments bool
	// IncludeGlob expands an include naming a glob pattern (* ? [ { or \
	// in it); a pattern matching nothing includes nothing.
	IncludeGlob bool
	// ReadFile reads the top file of ParseFile and included files; nil
	// means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
	// Glob expands glob includes; nil means filepath.Glob.
	Glob func(pattern string) ([]string, error)
}

// SimplevisorOptions are python-simplevisor's: Config::General defaults
// (C comments) plus InterPolateVars, IncludeRelative, IncludeAgain and
// IncludeGlob.
func SimplevisorOptions() *Options {
	return &Options{InterpolateVars: true, CComments: true, IncludeGlob: true}
}

// StompcltOptions are stompclt's: CComments off, IncludeRelative and
// IncludeAgain.
func StompcltOptions() *Options { return &Options{} }

// MaxIncludeDepth bounds nested includes, as a guard against a file that
// includes itself through another name.
const MaxIncludeDepth = 32

// line is one logical line: a physical line without comments, continued
// lines joined, or a whole here-doc.
type line struct {
	text string // trimmed content (not a here-doc)
	pos  Pos
	here bool   // a here-doc: key and value hold it
	key  string // here-doc key
	val  string // here-doc value, indentation removed
}

// reader turns files into logical lines, following includes.
type reader struct {
	opts  *Options
	out   []line
	chain []string // absolute paths of the files being read, outermost first
}

var (
	cCommentLine  = regexp.MustCompile(`\s*/\*.*\*/\s*`)
	cCommentStart = regexp.MustCompile(`^\s*/\*`)
	cCommentEnd   = regexp.MustCompile(`\*/\s*$`)
	emptyBlock    = regexp.MustCompile(`^\s*<([^/]+?.*?)/>$`)
	hereEqual     = regexp.MustCompile(`^\s*([^=]+?)\s*=\s*<<\s*(.+?)\s*$`)
	hereBlank     = regexp.MustCompile(`^\s*(\S+?)\s+<<\s*(.+?)\s*$`)
	includeLine   = regexp.MustCompile(`(?i)^\s*<<include\s+(.+?)>>\s*$`)
	globChars     = "*?[{\\"
	blanks        = " \t\n\r\f\v" // Perl's \s
)

func (r *reader) readFile(name string) ([]byte, error) {
	if r.opts.ReadFile != nil {
		return r.opts.ReadFile(name)
	}
	return os.ReadFile(name)
}

func (r *reader) glob(pattern string) ([]string, error) {
	if r.opts.Glob != nil {
		return r.opts.Glob(pattern)
	}
	return filepath.Glob(pattern)
}

// file reads the lines of one file; name is how positions name it.
func (r *reader) file(name string, data []byte) error {
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	r.chain = append(r.chain, abs)
	defer func() { r.chain = r.chain[:len(r.chain)-1] }()

	var (
		inComment        bool
		commentPos       Pos
		long             strings.Builder
		inLong           bool
		longPos          Pos
		inHere           bool
		herePos          Pos
		hereKey, hereEnd string
		hereLines        []string
	)
	for i, raw := range strings.Split(string(data), "\n") {
		pos := Pos{File: name, Line: i + 1}
		s := strings.TrimSuffix(raw, "\r")

		// C comments, before anything else (Config::General's CComments).
		switch {
		case !r.opts.CComments:
		case cCommentLine.MatchString(s):
			loc := cCommentLine.FindStringIndex(s)
			s = s[:loc[0]] + s[loc[1]:]
		case cCommentStart.MatchString(s):
			if !cCommentEnd.MatchString(s) {
				inComment, commentPos = true, pos
			} else {
				inComment = false
			}
		case strings.Contains(s, "*/"):
			if !inComment {
				// Config::General warns and drops the text before it,
				// which silently breaks values such as a .*/ regexp.
				return errorf(pos, "found */ ending a C comment that was never started; Config::General would drop the text before it (write a regexp .*/ as .*[/])")
			}
			inComment = false
			s = s[strings.Index(s, "*/")+2:]
		}
		if inComment {
			continue
		}

		if inHere {
			if indent, ok := hereEnds(s, hereEnd); ok {
				r.out = append(r.out, line{pos: herePos, here: true, key: hereKey, val: hereValue(hereLines, indent)})
				inHere, hereLines = false, nil
			} else {
				hereLines = append(hereLines, s)
			}
			continue
		}

		s = stripComment(s)
		if strings.Trim(s, blanks) == "" {
			continue
		}
		if continued(s) {
			if !inLong {
				inLong, longPos = true, pos
				long.Reset()
			}
			long.WriteString(strings.TrimLeft(s[:len(s)-1], blanks))
			continue
		}
		if inLong {
			long.WriteString(strings.TrimLeft(s, blanks))
			r.out = append(r.out, line{text: strings.Trim(long.String(), blanks), pos: longPos})
			inLong = false
			continue
		}
		if m := emptyBlock.FindStringSubmatch(s); m != nil {
			open := strings.TrimSuffix(strings.Trim(s, blanks), "/>") + ">"
			name := strings.FieldsFunc(m[1], func(c rune) bool { return strings.ContainsRune(blanks, c) })
			if len(name) == 0 {
				return errorf(pos, "empty block name in %q", strings.Trim(s, blanks))
			}
			r.out = append(r.out, line{text: open, pos: pos}, line{text: "</" + name[0] + ">", pos: pos})
			continue
		}
		if m := hereEqual.FindStringSubmatch(s); m != nil {
			inHere, herePos, hereKey, hereEnd = true, pos, m[1], m[2]
		} else if m := hereBlank.FindStringSubmatch(s); m != nil {
			inHere, herePos, hereKey, hereEnd = true, pos, m[1], m[2]
		}
		if inHere {
			continue
		}
		if m := includeLine.FindStringSubmatch(s); m != nil {
			if err := r.include(pos, m[1]); err != nil {
				return err
			}
			continue
		}
		r.out = append(r.out, line{text: strings.Trim(s, blanks), pos: pos})
	}
	switch {
	case inHere:
		return errorf(herePos, "here-doc %s <<%s never ends (want a line holding only %s)", hereKey, hereEnd, hereEnd)
	case inComment:
		return errorf(commentPos, "C comment /* never ends (want */)")
	case inLong:
		return errorf(longPos, "line continued with a trailing \\ at the end of the file")
	}
	return nil
}

// stripComment removes a # comment: from the first # not preceded by a
// backslash to the end of the line.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] != '\\') {
			return s[:i]
		}
	}
	return s
}

// continued reports a trailing backslash that is not itself escaped.
func continued(s string) bool {
	n := len(s)
	return n > 0 && s[n-1] == '\\' && (n == 1 || s[n-2] != '\\')
}

// hereEnds reports whether s is the end marker of a here-doc, alone on its
// line but for blanks, and returns the blanks before it.
func hereEnds(s, marker string) (indent string, ok bool) {
	rest := strings.TrimLeft(s, blanks)
	return s[:len(s)-len(rest)], strings.TrimRight(rest, blanks) == marker
}

// hereValue joins the lines of a here-doc, removing the end marker's
// indentation from each, as Config::General does.
func hereValue(lines []string, indent string) string {
	var b strings.Builder
	for i, l := range lines {
		if indent != "" {
			b.WriteString(strings.TrimPrefix(l, indent))
			b.WriteByte('\n')
			continue
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// include reads an included file (or every file a glob matches) where the
// include statement stands; relative names are relative to the including
// file, as with Config::General's IncludeRelative.
func (r *reader) include(pos Pos, name string) error {
	name = strings.Trim(name, blanks)
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(pos.File), name)
	}
	files := []string{name}
	if r.opts.IncludeGlob && strings.ContainsAny(name, globChars) {
		matches, err := r.glob(name)
		if err != nil {
			return errorf(pos, "include %s: %v", name, err)
		}
		files = matches // no match includes nothing, as Config::General
	}
	for _, f := range files {
		if len(r.chain) >= MaxIncludeDepth {
			return errorf(pos, "include %s: more than %d nested includes", f, MaxIncludeDepth)
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			abs = f
		}
		for _, c := range r.chain {
			if c == abs {
				return errorf(pos, "include %s: includes itself (through %s)", f, strings.Join(r.chain, " -> "))
			}
		}
		data, err := r.readFile(f)
		if err != nil {
			return errorf(pos, "include: %v", err)
		}
		if err := r.file(f, data); err != nil {
			return err
		}
	}
	return nil
}
