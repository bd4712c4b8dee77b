package actors

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// decodeSpec uses every field type, a nested object with its own required
// field, an enum, defaults and a secret.
func decodeSpec() *Spec {
	return NewSpec().
		Field(String("path").Required().Description("where to read")).
		Field(Sibling("to")).
		Field(String("mode").Enum("fast", "safe").Default("safe")).
		Field(Duration("interval").Default(time.Second)).
		Field(String("pass").Secret()).
		Field(Object("retry", NewSpec().
			Field(Int("max").Default(3)).
			Field(Duration("delay").Required()).
			Field(Sibling("dead_letter")))).
		Field(StringList("tags")).
		Field(StringMap("env")).
		Field(Int("count")).
		Field(Bool("verbose").Default(false)).
		Field(Float("ratio")).
		Field(Any("extra"))
}

func parseYAML(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("test YAML: %v", err)
	}
	return &n
}

func TestDecodeTypedValuesAndDefaults(t *testing.T) {
	t.Parallel()
	n := parseYAML(t, `
path: /var/spool/in
to: sender
interval: 1m30s
retry: {delay: 250ms, dead_letter: trash}
tags: [a, b]
env: {LANG: C, N: 1}
count: 0x10
verbose: true
ratio: 0.5
extra: {any: [thing, 1]}
`)
	cfg, err := Decode("w.yaml", n, decodeSpec(), DecodeOptions{Path: "with", Siblings: []string{"sender", "trash"}})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"path":     "/var/spool/in",
		"to":       "sender",
		"mode":     "safe", // default
		"interval": 90 * time.Second,
		"tags":     []string{"a", "b"},
		"env":      map[string]string{"LANG": "C", "N": "1"},
		"count":    16,
		"verbose":  true,
		"ratio":    0.5,
		"extra":    map[string]any{"any": []any{"thing", 1}},
	}
	for k, want := range checks {
		if got := cfg.Any(k); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if cfg.Has("pass") {
		t.Errorf("pass has a value %q though none was given", cfg.String("pass"))
	}
	r := cfg.Object("retry")
	if r == nil || r.Int("max") != 3 || r.Duration("delay") != 250*time.Millisecond || r.String("dead_letter") != "trash" {
		t.Errorf("retry = %#v", r)
	}
}

func TestDecodeScalarIsOneElementList(t *testing.T) {
	t.Parallel()
	cfg, err := Decode("w.yaml", parseYAML(t, "path: /q\ntags: solo\n"), decodeSpec(), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Strings("tags"); !reflect.DeepEqual(got, []string{"solo"}) {
		t.Errorf("tags = %q", got)
	}
}

func TestDecodeNullMeansDefault(t *testing.T) {
	t.Parallel()
	cfg, err := Decode("w.yaml", parseYAML(t, "path: /q\nmode: ~\n"), decodeSpec(), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.String("mode") != "safe" {
		t.Errorf("mode = %q, want the default safe", cfg.String("mode"))
	}
}

func TestDecodeAbsentBlock(t *testing.T) {
	t.Parallel()
	at := &yaml.Node{Line: 7, Column: 5}
	_, err := Decode("w.yaml", nil, decodeSpec(), DecodeOptions{Path: "children[1].with", At: at})
	want := "w.yaml:7:5: children[1].with.path: required field missing (string)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	cfg, err := Decode("w.yaml", nil, NewSpec().Field(Int("n").Default(4)), DecodeOptions{})
	if err != nil || cfg.Int("n") != 4 {
		t.Errorf("absent block with defaults: %v, %v", cfg, err)
	}
}

// TestDecodeCollectsErrors proves that every problem is reported, each with
// its position and full key path, in one error.
func TestDecodeCollectsErrors(t *testing.T) {
	t.Parallel()
	n := parseYAML(t, `mode: turbo
to: nobody
interval: 10
retry: {max: lots, bogus: 1, dead_letter: self}
tags: {a: b}
env: [x]
count: 1.5
verbose: yes
ratio: half
colour: red
path: /q
path: /r
`)
	_, err := Decode("w.yaml", n, decodeSpec(), DecodeOptions{Path: "with", Siblings: []string{"self", "other"}, Self: "self"})
	var errs ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want ConfigErrors", err)
	}
	want := []string{
		`w.yaml:1:7: with.mode: unknown value "turbo" (want fast, safe)`,
		`w.yaml:2:5: with.to: no sibling named "nobody" (siblings: other)`,
		`w.yaml:3:11: with.interval: bad duration "10" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`w.yaml:4:8: with.retry.delay: required field missing (duration)`,
		`w.yaml:4:14: with.retry.max: want an integer, got "lots"`,
		`w.yaml:4:20: with.retry.bogus: unknown key (want max, delay, dead_letter)`,
		`w.yaml:4:43: with.retry.dead_letter: "self" is this node itself, not a sibling`,
		`w.yaml:5:7: with.tags: want a list, got a mapping`,
		`w.yaml:6:6: with.env: want a mapping (key: value), got a list`,
		`w.yaml:7:8: with.count: want an integer, got "1.5"`,
		`w.yaml:8:10: with.verbose: want true or false, got "yes"`,
		`w.yaml:9:8: with.ratio: want a number, got "half"`,
		`w.yaml:10:1: with.colour: unknown key (want path, to, mode, interval, pass, pass_file, retry, tags, env, count, verbose, ratio, extra)`,
		`w.yaml:12:1: with.path: duplicate key (first at line 11)`,
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDecodeSecretFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pass.txt"), []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Decode("w.yaml", parseYAML(t, "path: /q\npass_file: pass.txt\n"), decodeSpec(), DecodeOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.String("pass"); got != "s3cr3t" {
		t.Errorf("pass = %q, want the file's content without its newline", got)
	}
}

func TestDecodeSecretErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	spec := NewSpec().Field(Int("pin").Secret()).Field(String("pass").Secret())
	n := parseYAML(t, "pin: hunter2\npass: hunter3\npass_file: /nonexistent/pass\n")
	_, err := Decode("w.yaml", n, spec, DecodeOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	want := "w.yaml:1:6: pin: want an integer, got a secret value\n" +
		"w.yaml:3:1: pass_file: give pass or pass_file, not both (other at line 2)"
	if err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
	if strings.Contains(err.Error(), "hunter") {
		t.Errorf("error leaks the secret: %v", err)
	}
	_, err = Decode("w.yaml", parseYAML(t, "pass_file: /nonexistent/pass\n"), spec, DecodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "w.yaml:1:12: pass_file: cannot read secret: open /nonexistent/pass: no such file") {
		t.Errorf("err = %v", err)
	}
}

func TestDecodeMergeKeys(t *testing.T) {
	t.Parallel()
	n := parseYAML(t, `
base: &base {path: /base, mode: fast, count: 2}
with:
  <<: *base
  count: 3
`)
	var with *yaml.Node
	kvs, _ := NewLocated("m.yaml").Mapping(n, "")
	for _, kv := range kvs {
		if kv.Key.Value == "with" {
			with = kv.Value
		}
	}
	cfg, err := Decode("m.yaml", with, decodeSpec(), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.String("path") != "/base" || cfg.String("mode") != "fast" || cfg.Int("count") != 3 {
		t.Errorf("merged values = %v, want path and mode from the anchor, count 3 written in place", cfg.Values())
	}
}

func TestRedactAndLogValue(t *testing.T) {
	t.Parallel()
	spec := NewSpec().Field(String("user")).Field(String("pass").Secret()).
		Field(Object("backup", NewSpec().Field(String("token").Secret())))
	cfg := NewConfig(spec, map[string]any{
		"user": "guest", "pass": "hunter2",
		"backup": NewConfig(spec.Lookup("backup").Sub, map[string]any{"token": "t0k3n"}),
	})
	r := Redact(cfg)
	if r.String("pass") != Redacted || r.Object("backup").String("token") != Redacted || r.String("user") != "guest" {
		t.Errorf("redacted = %v", r.Values())
	}
	if cfg.String("pass") != "hunter2" {
		t.Errorf("Redact changed the original: pass = %q", cfg.String("pass"))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("start", "with", cfg)
	line := buf.String()
	if strings.Contains(line, "hunter2") || strings.Contains(line, "t0k3n") || !strings.Contains(line, "with.user=guest") || !strings.Contains(line, "with.backup.token=<redacted>") {
		t.Errorf("log line = %s", line)
	}
}

// TestConfigNodeRoundTrip decodes, renders and decodes again.
func TestConfigNodeRoundTrip(t *testing.T) {
	t.Parallel()
	src := parseYAML(t, `{path: "61613", to: b, interval: 1m30s, retry: {delay: 1s}, tags: [x, "true"], env: {b: "2", a: x}, count: 7, ratio: 1.25, extra: [1, {k: v}]}`)
	opt := DecodeOptions{Siblings: []string{"b"}}
	first, err := Decode("r.yaml", src, decodeSpec(), opt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(ConfigNode(first))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Decode("r.yaml", parseYAML(t, string(out)), decodeSpec(), opt)
	if err != nil {
		t.Fatalf("%v\nin\n%s", err, out)
	}
	a, b := first.Values(), second.Values()
	if !reflect.DeepEqual(a["retry"].(*Config).Values(), b["retry"].(*Config).Values()) {
		t.Errorf("retry differs: %v vs %v", a["retry"], b["retry"])
	}
	delete(a, "retry")
	delete(b, "retry")
	if !reflect.DeepEqual(a, b) {
		t.Errorf("round trip changed values:\n%v\n%v\nvia\n%s", a, b, out)
	}
}

func TestSiblingRefs(t *testing.T) {
	t.Parallel()
	cfg, err := Decode("s.yaml", parseYAML(t, "path: /q\nto: b\nretry: {delay: 1s, dead_letter: c}\n"), decodeSpec(),
		DecodeOptions{Siblings: []string{"a", "b", "c"}, Self: "a"})
	if err != nil {
		t.Fatal(err)
	}
	want := []SiblingRef{{Field: "to", Name: "b"}, {Field: "retry.dead_letter", Name: "c"}}
	if got := SiblingRefs(cfg); !reflect.DeepEqual(got, want) {
		t.Errorf("refs = %v, want %v", got, want)
	}
}

func TestWriteReference(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	err := WriteReference(&buf, []Kind{
		{Name: "demo.reader", Summary: "reads things", Spec: NewSpec().
			Field(String("path").Required().Description("where to read.").Example("/var/spool/in")).
			Field(String("mode").Enum("fast", "safe").Default("safe")).
			Field(String("pass").Secret().Default("guest")).
			Field(Object("retry", NewSpec().Field(Duration("delay").Default(250*time.Millisecond)))).
			Field(StringList("tags").Advanced())},
		{Name: "demo.empty", Spec: NewSpec()},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `demo.reader
  reads things

  KEY          TYPE             DEFAULT     DESCRIPTION
  path         string           required    where to read; e.g. /var/spool/in
  mode         string           safe        one of: fast, safe
  pass         string           <redacted>  secret, redacted when printed; or pass_file: a file holding it
  retry        object           -
  retry.delay  duration         250ms
  tags         list of strings  -           advanced

  example:
    kind: demo.reader
    with:
      path: /var/spool/in

demo.empty
  (no with: keys)
`
	if buf.String() != want {
		t.Errorf("reference:\n%s\nwant:\n%s", buf.String(), want)
	}
}
