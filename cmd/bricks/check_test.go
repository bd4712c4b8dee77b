package main

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	out, stderr, err := runLoaderCLI(t, "check", "testdata/trees/good.yaml")
	if err != nil || out != "testdata/trees/good.yaml: ok (3 nodes)\n" || stderr != "" {
		t.Errorf("check good: err %v, stdout %q, stderr %q", err, out, stderr)
	}

	out, stderr, err = runLoaderCLI(t, "check", "testdata/trees/good.yaml", "testdata/trees/bad.yaml")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || err.Error() != "1 of 2 tree files have problems" {
		t.Fatalf("check bad: err = %v, want exit status 1", err)
	}
	wantErr := `testdata/trees/bad.yaml:2:11: strategy: unknown value "one_for_some" (want one_for_one, one_for_all, rest_for_one)
testdata/trees/bad.yaml:6:14: children[0].restart: unknown value "always" (want permanent, transient, temporary)
testdata/trees/bad.yaml:7:11: children[0].with.path: required field missing (string)
testdata/trees/bad.yaml:7:16: children[0].with.to: no sibling named "nobody" (siblings: none)
`
	if stderr != wantErr || out != "testdata/trees/good.yaml: ok (3 nodes)\n" {
		t.Errorf("stderr:\n%s\nwant:\n%s\nstdout %q", stderr, wantErr, out)
	}
}

// TestCheckPrintRoundTrip prints a tree with its defaults, checks the
// print, and prints that again: the same text must come out, with the
// secret redacted.
func TestCheckPrintRoundTrip(t *testing.T) {
	first, _, err := runLoaderCLI(t, "check", "--print", "testdata/trees/good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"intensity: 1\n", "period: 5s\n", "window: 100\n", "pass: <redacted>\n", "shutdown: 5s\n"} {
		if !strings.Contains(first, want) {
			t.Errorf("print lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "topsecret") {
		t.Errorf("print shows the secret:\n%s", first)
	}
	printed := t.TempDir() + "/printed.yaml"
	if err := os.WriteFile(printed, []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}
	second, stderr, err := runLoaderCLI(t, "check", "--print", printed)
	if err != nil || second != first {
		t.Errorf("second print (err %v, stderr %s):\n%s\nfirst:\n%s", err, stderr, second, first)
	}
	both, _, err := runLoaderCLI(t, "check", "--print", printed, "testdata/trees/good.yaml")
	if err != nil || both != first+"---\n"+first {
		t.Errorf("two files print as one YAML stream with a --- between them; got (err %v):\n%s", err, both)
	}
}
