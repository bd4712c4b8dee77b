package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// Kinds for the check, tree and kinds command tests; the clitest. prefix
// keeps them apart from real kinds linked into the binary.
func init() {
	noActor := func(*actors.Config) (actor.Actor, error) { return nil, errors.New("clitest kinds do not run") }
	actors.Register(actors.Kind{
		Name:    "clitest.conn",
		Summary: "a pretend broker connection",
		Spec: actors.NewSpec().
			Field(actors.String("uri").Required().Description("broker address")).
			Field(actors.String("pass").Secret().Description("broker password")),
		New: noActor,
	})
	actors.Register(actors.Kind{
		Name:    "clitest.reader",
		Summary: "a pretend queue reader",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required()).
			Field(actors.Sibling("to").Required().Description("where messages go")).
			Field(actors.Int("window").Default(100)),
		New: noActor,
	})
}

// runLoaderCLI runs the bricks command line with args and returns what it
// printed. Flags the loader commands own are reset first, because cobra
// keeps values between runs of the same command tree.
func runLoaderCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	checkPrint, treeFormat, treeExpand = false, "text", false
	var out, errb bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errb)
	rootCmd.SetArgs(args)
	defer func() { // leave the shared command as other tests expect it
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		rootCmd.SetErr(nil)
	}()
	err = rootCmd.Execute()
	return out.String(), errb.String(), err
}

func TestKindsCommand(t *testing.T) {
	out, _, err := runLoaderCLI(t, "kinds", "clitest.reader", "clitest.conn")
	if err != nil {
		t.Fatal(err)
	}
	want := `clitest.reader
  a pretend queue reader

  KEY     TYPE          DEFAULT   DESCRIPTION
  path    string        required
  to      sibling name  required  where messages go
  window  int           100

  example:
    kind: clitest.reader
    with:
      path: <string>
      to: <sibling name>

clitest.conn
  a pretend broker connection

  KEY   TYPE    DEFAULT   DESCRIPTION
  uri   string  required  broker address
  pass  string  -         broker password; secret, redacted when printed; or pass_file: a file holding it

  example:
    kind: clitest.conn
    with:
      uri: <string>
`
	if out != want {
		t.Errorf("kinds output:\n%s\nwant:\n%s", out, want)
	}
	all, _, err := runLoaderCLI(t, "kinds")
	if err != nil || !strings.Contains(all, "clitest.conn\n") || !strings.Contains(all, "clitest.reader\n") {
		t.Errorf("kinds without arguments: %v\n%s", err, all)
	}
	_, _, err = runLoaderCLI(t, "kinds", "clitest.nope")
	if err == nil || !strings.HasPrefix(err.Error(), `unknown kind "clitest.nope" (registered: `) {
		t.Errorf("err = %v", err)
	}
}
