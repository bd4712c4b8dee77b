package supervision

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRenderAnnotated: a nil Annotate draws exactly what Render draws; a
// real one adds its text to every node and fills DOT and Mermaid nodes.
func TestRenderAnnotated(t *testing.T) {
	t.Parallel()
	tree, err := testLoader().Load("testdata/good/sender.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range AnnotatedFormats {
		var plain, none bytes.Buffer
		if err := Render(&plain, tree, f); err != nil {
			t.Fatal(err)
		}
		if err := RenderAnnotated(&none, tree, f, nil); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain.Bytes(), none.Bytes()) {
			t.Errorf("%s: nil annotations change the drawing:\n%s\nwant:\n%s", f, none.Bytes(), plain.Bytes())
		}
	}
	var seen []string
	ann := func(path string, n *Node) Annotation {
		seen = append(seen, path)
		if n.Name == "reader" {
			return Annotation{Text: `up "3" times`, Fill: "#ff0000"}
		}
		return Annotation{}
	}
	var text, dot, mmd bytes.Buffer
	for f, buf := range map[string]*bytes.Buffer{"text": &text, "dot": &dot, "mermaid": &mmd} {
		if err := RenderAnnotated(buf, tree, f, ann); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(seen[0], "sender") || !strings.Contains(strings.Join(seen, " "), "sender/reader") {
		t.Errorf("annotate saw the paths %v", seen)
	}
	for _, c := range []struct{ out, want string }{
		{text.String(), `-> broker (to) [up "3" times]` + "\n"},
		{dot.String(), `\nup \"3\" times", style="filled", fillcolor="#ff0000"];`},
		{mmd.String(), `<br/>up #quot;3#quot; times"]`},
		{mmd.String(), "  style n2 fill:#ff0000\n"},
	} {
		if !strings.Contains(c.out, c.want) {
			t.Errorf("annotated drawing lacks %s:\n%s", c.want, c.out)
		}
	}
	if strings.Count(text.String(), "[") != 1 {
		t.Errorf("an empty annotation drew brackets:\n%s", text.String())
	}
	if bin, err := exec.LookPath("dot"); err == nil {
		cmd := exec.Command(bin, "-Tsvg")
		cmd.Stdin = &dot
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("dot refuses the annotated DOT: %v %s", err, stderr.String())
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("graphviz dot not found; install the graphviz package")
	}
	if err := RenderAnnotated(&bytes.Buffer{}, tree, "yaml", ann); err == nil {
		t.Error("yaml accepted annotations")
	}
}
