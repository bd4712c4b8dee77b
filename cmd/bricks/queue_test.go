package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/queue"
	"github.com/spf13/cobra"
)

// runQueue runs `bricks queue args...` on a fresh command tree and returns
// its standard output.
func runQueue(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "bricks", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newQueueCmd())
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"queue"}, args...))
	err := root.Execute()
	return out.String(), err
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runQueue(t, stdin, args...)
	if err != nil {
		t.Fatalf("bricks queue %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func TestQueueCLI(t *testing.T) {
	for _, kind := range []string{"dqs", "dqn"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			q := []string{"--path", dir, "--type", kind}
			with := func(args ...string) []string { return append(append([]string{}, args...), q...) }

			text := strings.TrimSpace(mustRun(t, "", with("add", "--header", "subject=hi", "--header", "x=a=b", "--body", "héllo")...))
			bin := strings.TrimSpace(mustRun(t, "\x00\xff", with("add")...)) // from stdin, not UTF-8
			ctrl := strings.TrimSpace(mustRun(t, "a\x00b", with("add")...))  // UTF-8 but a NUL: binary
			forcedText := strings.TrimSpace(mustRun(t, "a\x00b", with("add", "--text")...))
			forced := strings.TrimSpace(mustRun(t, "", with("add", "--binary", "--body", "abc")...))
			file := filepath.Join(t.TempDir(), "body")
			if err := os.WriteFile(file, []byte("from file"), 0o644); err != nil {
				t.Fatal(err)
			}
			fromFile := strings.TrimSpace(mustRun(t, "", with("add", "--body-file", file)...))

			if got := mustRun(t, "", with("count")...); got != "6\n" {
				t.Fatalf("count %q", got)
			}
			names := strings.Fields(mustRun(t, "", with("list")...))
			if strings.Join(names, " ") != strings.Join([]string{text, bin, ctrl, forcedText, forced, fromFile}, " ") {
				t.Fatalf("list %v, added %s %s %s %s %s %s", names, text, bin, ctrl, forcedText, forced, fromFile)
			}
			for name, want := range map[string]string{
				text:       `{"header": {"subject": "hi", "x": "a=b"}, "body": "h\u00e9llo", "text": true}` + "\n",
				bin:        `{"body": "AP8=", "encoding": "base64"}` + "\n",
				ctrl:       `{"body": "YQBi", "encoding": "base64"}` + "\n",
				forcedText: `{"body": "a\u0000b", "text": true}` + "\n",
				forced:     `{"body": "abc"}` + "\n",
				fromFile:   `{"body": "from file", "text": true}` + "\n",
			} {
				if got := mustRun(t, "", with("get", name)...); got != want {
					t.Errorf("get %s: %q, want %q", name, got, want)
				}
			}
			// get left the element unlocked: lock works, twice does not.
			mustRun(t, "", with("lock", text)...)
			if _, err := runQueue(t, "", with("lock", text)...); err == nil || !strings.Contains(err.Error(), "locked already") {
				t.Errorf("second lock: %v", err)
			}
			// get on an element we locked keeps the lock.
			mustRun(t, "", with("get", text)...)
			if _, err := runQueue(t, "", with("lock", text)...); err == nil {
				t.Error("get released a lock it did not take")
			}
			mustRun(t, "", with("unlock", text)...)
			mustRun(t, "", with("remove", text)...)
			mustRun(t, "", with("lock", bin)...)
			mustRun(t, "", with("remove", bin)...)
			if got := mustRun(t, "", with("count")...); got != "4\n" {
				t.Fatalf("count after remove %q", got)
			}
			mustRun(t, "", with("purge", "--maxtemp", "0", "--maxlock", "1s")...)
			if _, err := runQueue(t, "", with("get", text)...); err == nil {
				t.Error("get of a removed element succeeded")
			}
		})
	}
}

func TestQueueCLICompression(t *testing.T) {
	dir := t.TempDir()
	body := strings.Repeat("squeeze me ", 100)
	name := strings.TrimSpace(mustRun(t, body, "add", "--path", dir, "--compression", "zlib"))
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"encoding": "utf8+zlib+base64"`)) {
		t.Fatalf("element not compressed: %s", data)
	}
	m, err := queue.Deserialize([]byte(strings.TrimSpace(mustRun(t, "", "get", name, "--path", dir))))
	if err != nil || string(m.Body) != body || !m.Text {
		t.Fatalf("get: %+v %v", m, err)
	}
}

func TestQueueCLIErrors(t *testing.T) {
	dir := t.TempDir()
	const missing = "00000000/00000000000000"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"count"}, `"path" not set`},
		{[]string{"add", "--path", dir, "--header", "novalue", "--body", "x"}, "want key=value"},
		{[]string{"add", "--path", dir, "--body-file", "/nonexistent/body"}, "no such file"},
		{[]string{"add", "--path", dir, "--text", "--binary", "--body", "x"}, "exclude each other"},
		{[]string{"add", "--path", dir, "--body", "x", "--body-file", "f"}, "exclude each other"},
		{[]string{"add", "--path", dir, "--type", "dqn", "--compression", "zlib", "--body", "x"}, "needs --type dqs"},
		{[]string{"add", "--path", dir, "--compression", "bzip2", "--body", "x"}, "unsupported compression type: bzip2"},
		{[]string{"add", "--path", dir, "--text"}, "not valid UTF-8"}, // stdin is \xff
		{[]string{"get", "--path", dir, missing}, missing},
		{[]string{"lock", "--path", dir, missing}, "locked already or gone"},
		{[]string{"unlock", "--path", dir, missing}, missing},
		{[]string{"remove", "--path", dir, missing}, missing},
		{[]string{"count", "--path", dir, "--type", "bogus"}, "unknown queue kind"},
		{[]string{"get", "--path", dir}, "accepts 1 arg"},
	} {
		_, err := runQueue(t, "\xff", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bricks queue %s: error %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

func TestQueueCommandRegistered(t *testing.T) {
	for _, sub := range []string{"add", "list", "get", "lock", "unlock", "remove", "count", "purge"} {
		c, _, err := rootCmd.Find([]string{"queue", sub})
		if err != nil || c.Name() != sub {
			t.Errorf("bricks queue %s: %v", sub, err)
		}
	}
}
