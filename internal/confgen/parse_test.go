package confgen

import (
	"errors"
	"strings"
	"testing"
)

func TestImportParse(t *testing.T) {
	tests := []struct {
		name, in, want string
		interpolate    bool
	}{
		{name: "blank and equal sign", in: "a 1\nb = 2\nc=3\n  d   four five  \n", want: `a = "1" @1
b = "2" @2
c = "3" @3
d = "four five" @4
`},
		{name: "key ends at first blank or =", in: "a b = c\na=b=c\n", want: `a = "b = c" @1
a = "b=c" @2
`},
		{name: "no value and empty value", in: "flag\nempty =\n", want: `flag (no value) @1
empty = "" @2
`},
		{name: "comments", in: "# full line\n  # indented\na 1 # trailing\nb = x\\#y # real\n", want: `a = "1" @3
b = "x#y" @4
`},
		{name: "c comments", in: "a 1 /* inline */\n/* start\nb 2\nend */ c 3\nd 4\n", want: `a = "1" @1
c = "3" @4
d = "4" @5
`},
		{name: "quotes", in: "a = \"  spaced  \"\nb = 'single'\nc = \"half\nd = \"in\" the middle\n", want: `a = "  spaced  " @1
b = "'single'" @2
c = "\"half" @3
d = "\"in\" the middle" @4
`},
		{name: "escapes", in: `a = \$x \\ \" \# \n` + "\n", want: `a = "$x \\ \" # \\n" @1
`},
		{name: "continuation", in: "a = one \\\n    two \\\n  three\nb 2\n", want: `a = "one two three" @1
b = "2" @4
`},
		{name: "escaped backslash is no continuation", in: "a = c:\\\\\nb 2\n", want: `a = "c:\\" @1
b = "2" @2
`},
		{name: "here-doc equal", in: "code = <<EOT\nline 1\n  line 2 # not a comment\nEOT\nafter 1\n", want: `code = "line 1\n  line 2 # not a comment" @1
after = "1" @5
`},
		{name: "here-doc blank, indented end", in: "<b>\n  text <<END\n    one\n      two\n    END\n</b>\n", want: `<b> @1
  text = "one\n  two" @2
`},
		{name: "blocks", in: "<entry>\n type service\n <children>\n  <entry>\n  </entry>\n </children>\n</entry>\n<service foo>\n x 1\n</service>\n<\"quoted block\">\n</\"quoted block\">\n<named \"with space\">\n</named>\n", want: `<entry> @1
  type = "service" @2
  <children> @3
    <entry> @4
<service foo> @8
  x = "1" @9
<quoted block> @11
<named with space> @13
`},
		{name: "closing tag case-insensitive", in: "<Entry>\n</entry>\n", want: "<Entry> @1\n"},
		{name: "empty block", in: "<empty/>\n<named x/>\nz 1\n", want: `<empty> @1
<named x> @2
z = "1" @3
`},
		{name: "repeated keys keep order", in: "s a=1\ns b=2\n<s>\n</s>\ns c=3\n", want: `s = "a=1" @1
s = "b=2" @2
<s> @3
s = "c=3" @5
`},
		{name: "case kept", in: "Key Value\nkey value\n", want: `Key = "Value" @1
key = "value" @2
`},
		{name: "crlf", in: "a = 1\r\n<b>\r\n</b>\r\n", want: "a = \"1\" @1\n<b> @2\n"},
		{name: "interpolation", interpolate: true, in: `var_dir = /opt
bin = $var_dir/bin
etc = ${var_dir}etc
lit = \$var_dir 'single $var_dir' $ ${x $
var_dir = /other
again = $var_dir
<entry>
  var_dir = /inner
  x = ${var_dir}
  <sub $var_dir>
  </sub>
</entry>
y = $var_dir
`, want: `var_dir = "/opt" @1
bin = "/opt/bin" @2
etc = "/optetc" @3
lit = "$var_dir 'single $var_dir' $ ${x $" @4
var_dir = "/other" @5
again = "/opt" @6
<entry> @7
  var_dir = "/inner" @8
  x = "/inner" @9
  <sub /inner> @10
y = "/opt" @13
`},
		{name: "no interpolation by default", in: "a = 1\nb = $a\n", want: `a = "1" @1
b = "$a" @2
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := Parse("t.conf", []byte(tt.in), &Options{InterpolateVars: tt.interpolate, CComments: true, ReadFile: noFiles})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := dump(root); got != tt.want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestImportParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		interpolate    bool
	}{
		{"unclosed block", "a 1\n<entry>\n<children>\n</children>\n", "t.conf:2: <entry> is never closed (want </entry>)", false},
		{"stray close", "a 1\n</entry>\n", "t.conf:2: </entry> closes no open block", false},
		{"mismatched close", "<a>\n<b>\n</a>\n</b>\n", "t.conf:3: </a> does not close <b> (opened at t.conf:2)", false},
		{"unterminated here-doc", "x 1\ncode = <<EOT\nabc\n", "t.conf:2: here-doc code <<EOT never ends (want a line holding only EOT)", false},
		{"unterminated c comment", "x 1\n/* a\nb\n", "t.conf:2: C comment /* never ends (want */)", false},
		{"stray c comment end", "x 1\ny = /tmp/*/\n", "t.conf:2: found */ ending a C comment that was never started", false},
		{"continuation at end", "x 1\ny = a \\\n", "t.conf:2: line continued with a trailing \\ at the end of the file", false},
		{"missing key", "x 1\n = 3\n", "t.conf:2: missing option name before \"= 3\"", false},
		{"empty block name", "x 1\n< >\n", "t.conf:2: block without a name", false},
		{"undefined variable", "a = 1\n<e>\nb = $nope/x\n</e>\n", "t.conf:3: use of undefined variable $nope", true},
		{"undefined in block name", "<e $nope>\n</e>\n", "t.conf:1: use of undefined variable $nope", true},
		{"variable defined later", "b = ${a}\na = 1\n", "t.conf:1: use of undefined variable $a", true},
		{"here-doc without key", "x 1\n = <<EOT\nEOT\n", "t.conf:2: missing option name before the here-doc", false},
		{"include fails", "a 1\n<<include missing.conf>>\n", "t.conf:2: include: open missing.conf: no files in this test", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := Parse("t.conf", []byte(tt.in), &Options{InterpolateVars: tt.interpolate, CComments: true, ReadFile: noFiles})
			if err == nil {
				t.Fatalf("no error; tree:\n%s", dump(root))
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q\nwant prefix %q", err, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Pos.File == "" || pe.Pos.Line == 0 {
				t.Errorf("error %#v is not a located *Error", err)
			}
		})
	}
}

func TestImportIncludes(t *testing.T) {
	files := map[string]string{
		"etc/main.conf":        "a 1\n<entry>\n  <<include sub/part.conf>>\n</entry>\n<<INCLUDE sub/part.conf>>\nz 9\n",
		"etc/sub/part.conf":    "p = from part\n<<include deeper.conf>>\n",
		"etc/sub/deeper.conf":  "# only a comment line\nd = deep\n",
		"etc/loop.conf":        "<<include loop2.conf>>\n",
		"etc/loop2.conf":       "x 1\n<<include loop.conf>>\n",
		"etc/bad.conf":         "a 1\n<<include sub/broken.conf>>\n",
		"etc/sub/broken.conf":  "ok 1\n<x>\n",
		"etc/unclosed.conf":    "<entry>\n<<include sub/closes.conf>>\n",
		"etc/sub/closes.conf":  "</entry>\n",
		"etc/interp.conf":      "var_x = 7\n<<include sub/uses.conf>>\n",
		"etc/sub/uses.conf":    "y = $var_x\n",
		"etc/missingtop.conf":  "",
		"etc/sub/unused.conf":  "",
		"etc/sub/unused2.conf": "",
	}
	opts := &Options{ReadFile: memFiles(files)}
	root, err := ParseFile("etc/main.conf", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := `a = "1" @1
<entry> @2
  p = "from part" @1
  d = "deep" @2
p = "from part" @1
d = "deep" @2
z = "9" @6
`
	if got := dump(root); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	if f := root.Children[1].Children[1].Pos.File; f != "etc/sub/deeper.conf" {
		t.Errorf("included node file = %q, want etc/sub/deeper.conf", f)
	}

	// An include inside a block may close it: blocks span files, as in
	// Config::General, which reads includes first.
	if _, err := ParseFile("etc/unclosed.conf", opts); err != nil {
		t.Errorf("block closed in an included file: %v", err)
	}
	root, err = ParseFile("etc/interp.conf", &Options{ReadFile: memFiles(files), InterpolateVars: true})
	if err != nil || root.First("y").Value != "7" {
		t.Errorf("variable from the including file: %v %v", err, root)
	}
	for file, want := range map[string]string{
		"etc/loop.conf": "etc/loop2.conf:2: include etc/loop.conf: includes itself",
		"etc/bad.conf":  "etc/sub/broken.conf:2: <x> is never closed",
	} {
		_, err := ParseFile(file, opts)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error %v, want prefix %q", file, err, want)
		}
	}
	if _, err := ParseFile("etc/none.conf", opts); err == nil {
		t.Error("missing top file: no error")
	}
}

func TestImportIncludeGlob(t *testing.T) {
	files := map[string]string{
		"d/main.conf":     "<<include conf.d/*.conf>>\n<<include none.d/*.conf>>\nend 1\n",
		"d/conf.d/a.conf": "a 1\n",
		"d/conf.d/b.conf": "b 2\n",
	}
	glob := func(p string) ([]string, error) {
		if p == "d/conf.d/*.conf" {
			return []string{"d/conf.d/a.conf", "d/conf.d/b.conf"}, nil
		}
		return nil, nil
	}
	root, err := ParseFile("d/main.conf", &Options{ReadFile: memFiles(files), Glob: glob, IncludeGlob: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "a = \"1\" @1\nb = \"2\" @1\nend = \"1\" @3\n"
	if got := dump(root); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	// Without IncludeGlob (stompclt), the pattern is a file name.
	_, err = ParseFile("d/main.conf", &Options{ReadFile: memFiles(files), Glob: glob})
	if err == nil || !strings.HasPrefix(err.Error(), "d/main.conf:1: include: open d/conf.d/*.conf: no such file") {
		t.Errorf("glob include without IncludeGlob: %v", err)
	}
}

func TestImportIncludeRealFiles(t *testing.T) {
	root, err := ParseFile("testdata/stompclt-sender.conf", nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := Unfold(root, "-").First("stompclt").First("outgoing").First("broker").First("auth")
	if auth == nil || !auth.Block || auth.First("pass").Value != "s3cr3t" || auth.First("pass").Pos.File != "testdata/credentials.conf" {
		t.Fatalf("auth block from the included file: %+v", auth)
	}
}

func TestImportNodeHelpers(t *testing.T) {
	root, err := Parse("t.conf", []byte("k 1\n<k x>\n</k>\nk 2\n<b>\n</b>\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(root.All("k")); got != 3 {
		t.Errorf("All(k) = %d nodes, want 3", got)
	}
	if root.First("k").Value != "1" || root.First("nope") != nil {
		t.Error("First")
	}
	if got := strings.Join(root.Values("k"), ","); got != "1,2" {
		t.Errorf("Values(k) = %q, want the options only: 1,2", got)
	}
	for i, want := range []string{`option "k"`, "block <k x>", `option "k"`, "block <b>"} {
		if got := root.Children[i].String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
	if got := root.Children[0].Pos.String(); got != "t.conf:1" {
		t.Errorf("Pos.String() = %q", got)
	}
}

func TestImportParseBool(t *testing.T) {
	for _, s := range []string{"true", "Yes", "ON", "1", " true "} {
		if v, err := ParseBool(s); err != nil || !v {
			t.Errorf("ParseBool(%q) = %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"false", "No", "off", "0"} {
		if v, err := ParseBool(s); err != nil || v {
			t.Errorf("ParseBool(%q) = %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"", "2", "yess", "enabled"} {
		if _, err := ParseBool(s); err == nil {
			t.Errorf("ParseBool(%q): no error", s)
		}
	}
}

// stompclt reads its files without C comments: /* is text.
func TestImportCCommentsOff(t *testing.T) {
	in := "count 1000 /* not a comment */\n/* nor\nthis */\npattern = .*/bin/x\n"
	root, err := Parse("t.conf", []byte(in), StompcltOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := `count = "1000 /* not a comment */" @1
/* = "nor" @2
this = "*/" @3
pattern = ".*/bin/x" @4
`
	if got := dump(root); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	_, err = Parse("t.conf", []byte(in), SimplevisorOptions())
	if err == nil || !strings.HasPrefix(err.Error(), "t.conf:4: found */ ending a C comment that was never started") {
		t.Errorf("with C comments: %v", err)
	}
}
