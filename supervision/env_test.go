package supervision

import "testing"

func TestExpandEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOST": "mq.example", "EMPTY": "", "PORT": "61613"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tc := range []struct{ in, want, err string }{
		{in: "plain", want: "plain"},
		{in: "stomp://${HOST}:${PORT}", want: "stomp://mq.example:61613"},
		{in: "${EMPTY}", want: ""},
		{in: "${EMPTY:-dflt}", want: "dflt"},
		{in: "${MISSING:-a b:c}", want: "a b:c"},
		{in: "${MISSING:-}", want: ""},
		{in: "$$HOST costs $5 and $${HOST}", want: "$HOST costs $5 and ${HOST}"},
		{in: "trailing $", want: "trailing $"},
		{in: "${MISSING}", err: "environment variable MISSING is not set (write ${MISSING:-default} to give a default)"},
		{in: "${HOST", err: `unclosed ${ in "${HOST"`},
		{in: "${}", err: `bad variable name "" in ${} (want letters, digits and _, then optionally :-default)`},
		{in: "${A-B}", err: `bad variable name "A-B" in ${A-B} (want letters, digits and _, then optionally :-default)`},
	} {
		got, err := expand(tc.in, lookup)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("expand(%q) err = %v, want %s", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestExpandEnvRetypes checks that a plain ${VAR} takes the type of what it
// expands to, while a quoted one stays a string.
func TestExpandEnvRetypes(t *testing.T) {
	t.Parallel()
	ld := &Loader{LookupEnv: func(k string) (string, bool) { return map[string]string{"N": "7", "B": "true"}[k], true }}
	tree, err := ld.LoadBytes("e.yaml", []byte(`name: e
kind: loadtest.worker
with:
  path: "${N}"
  extra:
    n: ${N}
    quoted: "${N}"
    b: ${B}
`))
	if err != nil {
		t.Fatal(err)
	}
	extra, _ := tree.Root.With.Any("extra").(map[string]any)
	if extra["n"] != 7 || extra["quoted"] != "7" || extra["b"] != true || tree.Root.With.String("path") != "7" {
		t.Errorf("extra = %#v, path %q", extra, tree.Root.With.String("path"))
	}
}
