package queue

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseTableLineNumbers(t *testing.T) {
	_, err := ParseTable([]byte("\n\na\tb\nbad\n"))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %v, want line 4", err)
	}
	if _, err := ParseTable([]byte("a\t\xff\n")); !errors.Is(err, ErrSchema) {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// FuzzParseTable checks the parser never panics, that whatever it accepts
// re-serialises to a form it parses back to the same table, and that any
// table of the fuzzed strings round-trips exactly.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{"", "a\tb\n", "\t\n", "a\\tb\tc\\nd\\\\e\nk\tv\r\n", "k\tv\\x\n", "\n\na\tb\n\n", "a\tb\tc\n", "a\tb\n\nc\td\n", "x\t\\\\\\\\n\n"} {
		f.Add([]byte(s), "k\t\\", "v\n\\t")
	}
	f.Fuzz(func(t *testing.T, data []byte, k, v string) {
		tab, err := ParseTable(data)
		if err == nil {
			again, err := ParseTable(FormatTable(tab))
			if err != nil || !mapsEqual(again, tab) {
				t.Fatalf("%q parsed to %q, which re-parses to %q, %v", data, tab, again, err)
			}
		} else if !errors.Is(err, ErrSchema) {
			t.Fatalf("error %v does not wrap ErrSchema", err)
		}
		if !utf8Valid(k) || !utf8Valid(v) {
			return
		}
		in := map[string]string{k: v, v: k}
		out, err := ParseTable(FormatTable(in))
		if err != nil || !mapsEqual(in, out) {
			t.Fatalf("round trip of %q = %q, %v", in, out, err)
		}
		if b := FormatTable(in); bytes.Count(b, []byte("\n")) != len(in) || bytes.Count(b, []byte("\t")) != len(in) {
			t.Fatalf("FormatTable(%q) = %q: one TAB and one LF per entry expected", in, b)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
