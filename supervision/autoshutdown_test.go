package supervision

import (
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

func significantWorker(t *testing.T, name string) *Node {
	n := worker(t, name, Transient)
	n.Significant = true
	return n
}

// TestAutoShutdownAllSignificant: the tree ends normally once every
// significant child ended normally, not before; a permanent sibling does
// not keep it alive.
func TestAutoShutdownAllSignificant(t *testing.T) {
	rec := newRecorder(t)
	root := sup("root", OneForOne, 1, worker(t, "keep", Permanent), significantWorker(t, "a"), significantWorker(t, "b"))
	root.AutoShutdown = AllSignificant
	r := startTree(t, rec, root)
	rec.send("root/a", cmdExit)
	rec.waitLog(t, "stop root/a", 1)
	select {
	case <-r.Done():
		t.Fatal("tree ended while significant child b still runs")
	case <-time.After(50 * time.Millisecond):
	}
	rec.send("root/b", cmdExit)
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("tree did not end after every significant child ended")
	}
	if err := r.Wait(); err != nil {
		t.Fatalf("tree ended with %v, want a normal end", err)
	}
	rec.waitLog(t, "stop root/keep", 1)
}

// TestAutoShutdownAnySignificant: a nested supervisor ends normally when
// one significant child ended; its parent (never) keeps running.
func TestAutoShutdownAnySignificant(t *testing.T) {
	rec := newRecorder(t)
	job := sup("job", RestForOne, 1, worker(t, "sink", Permanent), significantWorker(t, "src"))
	job.AutoShutdown = AnySignificant
	job.Restart = Transient
	root := sup("root", OneForOne, 1, worker(t, "other", Permanent), job)
	r := startTree(t, rec, root)
	rec.send("root/job/src", cmdExit)
	rec.waitLog(t, "stop root/job/sink", 1)
	rec.waitFor(t, "job down", func() bool {
		for _, st := range r.Inspect() {
			if st.Path == "root/job" {
				return st.State != StateRunning
			}
		}
		return false
	})
	select {
	case <-r.Done():
		t.Fatal("root ended though its auto_shutdown is never")
	default:
	}
}

func TestLoadSignificant(t *testing.T) {
	good := "name: root\nchildren:\n  - {name: a, kind: test.fake, restart: transient, significant: true, with: {rec: x}}\n"
	tr, err := LoadBytes("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Root.AutoShutdown != AllSignificant || !tr.Root.Children[0].Significant {
		t.Errorf("got auto_shutdown %s, significant %v; want all_significant (default with a significant child), true",
			tr.Root.AutoShutdown, tr.Root.Children[0].Significant)
	}
	bad := "name: root\nauto_shutdown: sometimes\nchildren:\n  - {name: a, kind: test.fake, significant: true, with: {rec: x}}\n"
	_, err = LoadBytes("t.yaml", []byte(bad))
	for _, want := range []string{
		`t.yaml:2:16: auto_shutdown: unknown value "sometimes"`,
		"t.yaml:4:45: children[0].significant: a permanent node cannot be significant",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

// TestExpander: an app node is replaced by its expansion; errors the
// expansion's nodes cause point at the app file's positions.
func TestExpander(t *testing.T) {
	RegisterExpander("test.pair", func(l actors.Located, n *yaml.Node, path string) *yaml.Node {
		kvs, _ := l.Mapping(n, path)
		var name, rec *yaml.Node
		for _, kv := range kvs {
			switch kv.Key.Value {
			case "name":
				name = kv.Value
			case "rec":
				rec = kv.Value
			case "app":
			default:
				l.Errorf(kv.Key, path+"."+kv.Key.Value, "unknown key")
				return nil
			}
		}
		s := func(v string) *yaml.Node {
			return &yaml.Node{Kind: yaml.ScalarNode, Value: v, Line: n.Line, Column: n.Column}
		}
		kid := func(nm string) *yaml.Node {
			w := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{s("rec"), rec}}
			return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{s("name"), s(nm), s("kind"), s("test.fake"), s("with"), w}}
		}
		return &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
			s("name"), name, s("children"), {Kind: yaml.SequenceNode, Content: []*yaml.Node{kid("one"), kid("two")}}}}
	})
	tr, err := LoadBytes("t.yaml", []byte("name: root\nchildren:\n  - name: p\n    app: test.pair\n    rec: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Root.Children[0]
	if p.App != "test.pair" || len(p.Children) != 2 || p.Children[1].Name != "two" || p.Pos.Line != 3 {
		t.Errorf("expanded node: app %q, %d children, pos %s", p.App, len(p.Children), p.Pos)
	}
	for src, want := range map[string]string{
		"name: root\nchildren:\n  - name: p\n    app: test.pair\n    rec: [x]\n": "t.yaml:5:10: children[0].children[0].with.rec: want a string, got a list",
		"name: root\nchildren:\n  - name: p\n    app: test.pair\n    bad: 1\n":   "t.yaml:5:5: children[0].bad: unknown key",
		"name: p\napp: test.pari\n": `t.yaml:2:6: app: unknown app "test.pari", did you mean test.pair?`,
	} {
		_, err := LoadBytes("t.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v does not contain %q", src, err, want)
		}
	}
}
