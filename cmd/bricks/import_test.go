package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/supervision"
)

func TestImportSimplevisorCommand(t *testing.T) {
	out, stderr, err := runLoaderCLI(t, "import", "simplevisor", "testdata/import/simplevisor.conf")
	if err != nil {
		t.Fatalf("import: %v (stderr %s)", err, stderr)
	}
	wantErr := "testdata/import/simplevisor.conf:3: pidfile = /var/run/simplevisor.pid: simplevisor program option, not part of a tree (bricks run writes no pid file); not converted\n" +
		"testdata/import/simplevisor.conf:16: service \"nameless-start\": needs start or control; not converted\n"
	if stderr != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, wantErr)
	}
	tree, err := supervision.LoadBytes("imported.yaml", []byte(out))
	if err != nil {
		t.Fatalf("printed tree does not load: %v\n%s", err, out)
	}
	r := tree.Root
	if r.Name != "services" || r.Intensity != 5 || r.Period != 10*time.Minute || len(r.Children) != 1 {
		t.Errorf("root %s: intensity %d period %v, %d children; want services, 5 in 20 x 30s, 1", r.Name, r.Intensity, r.Period, len(r.Children))
	}
	if c := r.Children[0]; c.Kind != "command" || strings.Join(c.With.Strings("control"), " ") != "/etc/init.d/httpd" || c.With.Duration("interval") != 30*time.Second {
		t.Errorf("httpd: kind %s control %v interval %v", c.Kind, c.With.Strings("control"), c.With.Duration("interval"))
	}
}

func TestImportNothingConverted(t *testing.T) {
	out, stderr, err := runLoaderCLI(t, "import", "simplevisor", "testdata/import/nothing.conf")
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if out != "" || stderr != "testdata/import/nothing.conf:1: service entry without a name; not converted\n" {
		t.Errorf("stdout %q, stderr %q", out, stderr)
	}
	_, _, err = runLoaderCLI(t, "import", "simplevisor", "testdata/import/missing.conf")
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "missing.conf") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestImportHelp(t *testing.T) {
	out, _, err := runLoaderCLI(t, "import", "--help")
	if err != nil || !strings.Contains(out, "simplevisor") || !strings.Contains(out, "1 when nothing could be converted") {
		t.Errorf("import --help (err %v):\n%s", err, out)
	}
	if _, _, err := runLoaderCLI(t, "import", "simplevisor"); err == nil {
		t.Error("import simplevisor without FILE: no error")
	}
}
