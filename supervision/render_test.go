package supervision

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata/golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestRender -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n%s\nwant:\n%s", name, got, want)
	}
}

func render(t *testing.T, tree *Tree, format string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, tree, format); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRenderGolden pins the four formats for two trees: the sender
// tree, and one with an include and a secret (which must read <redacted>).
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	ext := map[string]string{"text": "txt", "dot": "dot", "mermaid": "mmd", "yaml": "print.yaml"}
	for _, name := range []string{"sender", "include"} {
		tree, err := testLoader().Load("testdata/good/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range Formats {
			out := render(t, tree, f)
			if bytes.Contains(out, []byte("hunter2")) {
				t.Errorf("%s %s output shows the secret:\n%s", name, f, out)
			}
			golden(t, name+"."+ext[f], out)
		}
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	t.Parallel()
	tree, err := testLoader().Load("testdata/good/single.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = Render(&bytes.Buffer{}, tree, "svg")
	if err == nil || err.Error() != `unknown format "svg" (want text, dot, mermaid, yaml)` {
		t.Errorf("err = %v", err)
	}
}

// TestPrintRoundTrip loads every good tree, prints it with defaults, loads
// the print and prints again: the two prints must be equal, and the
// printed tree must hold the defaults the source left out.
func TestPrintRoundTrip(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/good/*.yaml")
	for _, f := range files {
		first, err := testLoader().Load(f)
		if err != nil {
			t.Fatal(err)
		}
		y1 := render(t, first, "yaml")
		second, err := testLoader().LoadBytes(f, y1)
		if err != nil {
			t.Fatalf("%s: printed tree does not load: %v\n%s", f, err, y1)
		}
		if y2 := render(t, second, "yaml"); !bytes.Equal(y1, y2) {
			t.Errorf("%s: print is not stable:\n%s\nthen:\n%s", f, y1, y2)
		}
		for _, want := range []string{"restart: permanent", "shutdown: "} {
			if !bytes.Contains(y1, []byte(want)) {
				t.Errorf("%s: print lacks default %q:\n%s", f, want, y1)
			}
		}
	}
}

// TestDOTParsesWithGraphviz feeds the DOT output to Graphviz's dot.
func TestDOTParsesWithGraphviz(t *testing.T) {
	t.Parallel()
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("graphviz dot not found; install the graphviz package")
		}
		t.Skip("graphviz dot not found (apt-get install graphviz); DOT syntax left unchecked")
	}
	for _, name := range []string{"sender", "include", "single"} {
		tree, err := testLoader().Load("testdata/good/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(dot, "-Tcanon")
		cmd.Stdin = bytes.NewReader(render(t, tree, "dot"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Errorf("%s: dot: %v %s", name, err, stderr.String())
		}
		if want := `"sender/reader" -> "sender/broker"`; name == "sender" && !strings.Contains(string(out), want) {
			t.Errorf("dot lost the message-flow edge %s:\n%s", want, out)
		}
	}
}
