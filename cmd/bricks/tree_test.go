package main

import (
	"strings"
	"testing"
)

func TestTreeCommand(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"text", "app: supervisor rest_for_one, intensity 1 in 5s, permanent, shutdown infinity\n" +
			"  conn: clitest.conn, permanent, shutdown 5s {uri: 'stomp://localhost:61613', pass: <redacted>}\n" +
			"  reader: clitest.reader, permanent, shutdown 5s {path: /var/spool/app, to: conn, window: 100} -> conn (to)\n"},
		{"dot", `"app/reader" -> "app/conn" [style=dashed, color=blue, fontcolor=blue, constraint=false, label="to"];`},
		{"mermaid", "  n2 -.->|to| n1\n"},
	} {
		out, stderr, err := runLoaderCLI(t, "tree", "testdata/trees/good.yaml", "--format", tc.format)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("tree --format %s: err %v %s\n%s\nwant it to contain:\n%s", tc.format, err, stderr, out, tc.want)
		}
		if strings.Contains(out, "topsecret") {
			t.Errorf("tree --format %s shows the secret", tc.format)
		}
	}
	_, _, err := runLoaderCLI(t, "tree", "testdata/trees/good.yaml", "-f", "png")
	if err == nil || !strings.Contains(err.Error(), `unknown format "png"`) {
		t.Errorf("err = %v", err)
	}
	_, stderr, err := runLoaderCLI(t, "tree", "testdata/trees/bad.yaml")
	if err == nil || !strings.Contains(stderr, "bad.yaml:6:14: children[0].restart") {
		t.Errorf("tree of a bad file: err %v, stderr %s", err, stderr)
	}
}

// TestTreeExpand: an app node is one node by default and its generated
// supervision subtree with --expand.
func TestTreeExpand(t *testing.T) {
	collapsed, _, err := runLoaderCLI(t, "tree", "../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	expanded, _, err := runLoaderCLI(t, "tree", "--expand", "../../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"stomp.sender", "stomp.receiver", "queue.writer"} {
		if strings.Contains(collapsed, kind) {
			t.Errorf("collapsed tree shows the generated %s node:\n%s", kind, collapsed)
		}
		if !strings.Contains(expanded, kind) {
			t.Errorf("expanded tree lacks %s:\n%s", kind, expanded)
		}
	}
	for _, app := range []string{"outbox", "inbox"} {
		if !strings.Contains(collapsed, app) || !strings.Contains(expanded, app) {
			t.Errorf("app node %s missing:\n%s\n%s", app, collapsed, expanded)
		}
	}
}
