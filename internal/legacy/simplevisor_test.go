package legacy

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/bricksmq/bricks/command" // the kind converted services use
	"github.com/bricksmq/bricks/supervision"
)

var update = flag.Bool("update", false, "rewrite the expected trees and problems in testdata")

// testdataDir is the absolute path of testdata: tests change directory.
var testdataDir, _ = filepath.Abs("testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdataDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// convertFile converts a testdata file from the testdata directory, so that
// positions and includes are as an operator running `bricks import` there
// would see them.
func convertFile(t *testing.T, name string) (*Result, error) {
	t.Helper()
	t.Chdir(testdataDir)
	return ConvertSimplevisor(name)
}

func problemsText(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// Every example converts to a tree that loads with the real command kind,
// and gives the expected tree and problems.
func TestImportSimplevisorExamples(t *testing.T) {
	for _, name := range []string{"simplevisor.conf.example", "basic.conf", "nested.conf", "root-service.conf", "problems.conf"} {
		t.Run(name, func(t *testing.T) {
			res, err := convertFile(t, name)
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			tree, err := supervision.LoadBytes(name+".yaml", res.Tree)
			if err != nil {
				t.Fatalf("converted tree does not load: %v\n%s", err, res.Tree)
			}
			if got := workers(tree.Root); got != res.Converted || got == 0 {
				t.Errorf("tree has %d workers, Converted says %d", got, res.Converted)
			}
			base := strings.TrimSuffix(name, filepath.Ext(name))
			golden(t, base+".yaml", string(res.Tree))
			golden(t, base+".problems", problemsText(res.Problems))
		})
	}
}

// find returns the node at a /-separated path below root.
func find(t *testing.T, root *supervision.Node, path string) *supervision.Node {
	t.Helper()
	n := root
	for _, name := range strings.Split(path, "/") {
		var next *supervision.Node
		for _, c := range n.Children {
			if c.Name == name {
				next = c
			}
		}
		if next == nil {
			t.Fatalf("no node %s (stopped at %s)", path, n.Name)
		}
		n = next
	}
	return n
}

// The loaded trees mean what the simplevisor files say.
func TestImportSimplevisorSemantics(t *testing.T) {
	load := func(name string) *supervision.Tree {
		res, err := convertFile(t, name)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := supervision.LoadBytes(name, res.Tree)
		if err != nil {
			t.Fatal(err)
		}
		return tree
	}

	basic := load("basic.conf").Root
	// window 12 x interval 120 s; adjustments 3.
	if basic.Name != "svisor1" || basic.Strategy != supervision.OneForOne || basic.Intensity != 3 || basic.Period != 24*time.Minute {
		t.Errorf("svisor1: %+v", basic)
	}
	httpd := find(t, basic, "httpd")
	if got := strings.Join(httpd.With.Strings("status"), " "); got != "/etc/init.d/httpd status" {
		t.Errorf("httpd status = %q", got)
	}
	if httpd.With.Duration("interval") != 2*time.Minute || httpd.With.String("expected") != "running" || httpd.Shutdown.Timeout != 2*time.Minute {
		t.Errorf("httpd: interval %v expected %q shutdown %v", httpd.With.Duration("interval"), httpd.With.String("expected"), httpd.Shutdown)
	}
	if foo := find(t, basic, "foo"); foo.With.String("expected") != "stopped" || strings.Join(foo.With.Strings("control"), " ") != "/etc/init.d/foo" {
		t.Errorf("foo: expected %q control %q", foo.With.String("expected"), foo.With.Strings("control"))
	}

	nested := load("nested.conf").Root
	if nested.Strategy != supervision.OneForAll || nested.Intensity != 2 || nested.Period != 5*time.Minute {
		t.Errorf("top: %v %d %v", nested.Strategy, nested.Intensity, nested.Period)
	}
	broker := find(t, nested, "broker")
	if got := broker.With.Strings("start"); len(got) != 3 || got[0] != "/opt/app/bin/broker" || got[2] != "/etc/broker main.conf" {
		t.Errorf("broker start (variables, %%20) = %q", got)
	}
	if broker.With.String("path") != "/usr/bin:/bin" || broker.With.Duration("timeout") != 20*time.Second || broker.Shutdown.Timeout != 40*time.Second {
		t.Errorf("broker path %q timeout %v shutdown %v", broker.With.String("path"), broker.With.Duration("timeout"), broker.Shutdown)
	}
	mta := find(t, nested, "mta")
	if mta.Strategy != supervision.RestForOne || len(mta.Children) != 2 || mta.Children[0].Name != "sender" {
		t.Errorf("mta (from the include): %v %d children", mta.Strategy, len(mta.Children))
	}
	cleaner := find(t, nested, "maintenance/cleaner")
	if cleaner.With.String("expected") != "stopped" || cleaner.With.String("pattern") != "cleaner --every [0-9]+$" {
		t.Errorf("cleaner: expected %q (forced by maintenance), pattern %q", cleaner.With.String("expected"), cleaner.With.String("pattern"))
	}
	if got := strings.Join(cleaner.With.Strings("start"), " "); got != "/opt/app/bin/cleaner --every 60" {
		t.Errorf("cleaner start (continued line) = %q", got)
	}

	root := load("root-service.conf").Root
	worker := find(t, root, "worker")
	if root.Name != svRootName || strings.Join(worker.With.Strings("run"), " ") != "/usr/bin/worker --foreground" || worker.Shutdown.Timeout != 15*time.Second {
		t.Errorf("root service: %s, run %q, shutdown %v", root.Name, worker.With.Strings("run"), worker.Shutdown)
	}

	upstream := load("simplevisor.conf.example").Root
	if upstream.Intensity != 10 || upstream.Period != time.Minute || len(upstream.Children) != 2 {
		t.Errorf("upstream example: max_restarts 10 in max_time 60 s, 2 children; got %d in %v, %d", upstream.Intensity, upstream.Period, len(upstream.Children))
	}
}

// Each entry simplevisor would refuse is reported with its file:line and
// left out; the rest is converted.
func TestImportSimplevisorProblems(t *testing.T) {
	res, err := convertFile(t, "problems.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"problems.conf:4: logfile = /var/log/simplevisor.log: simplevisor program option",
		`problems.conf:5: unknown simplevisor option "colour"`,
		"problems.conf:11: service entry without a name; not converted",
		`problems.conf:19: service "both": give start or control, not both; not converted`,
		`problems.conf:27: unknown key "colour" in a service entry`,
		`problems.conf:29: supervisor "main": duplicate child name "good" (first at problems.conf:21); not converted`,
		`problems.conf:37: supervisor "wrong": strategy = all_for_one: want one_for_one, one_for_all or rest_for_one; not converted`,
		`problems.conf:46: service "lookbehind": with: ` + "`pattern`: error parsing regexp",
		`problems.conf:54: name "my service" is "my_service" in the tree`,
		`problems.conf:56: service "my_service": restart = /etc/init.d/my-service reload not converted`,
		"problems.conf:59: type = process: want supervisor or service",
		"problems.conf:64: second root <entry>",
	}
	got := problemsText(res.Problems)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q:\n%s", w, got)
		}
	}
	if len(res.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(res.Problems), len(want), got)
	}
	tree, err := supervision.LoadBytes("problems.yaml", res.Tree)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tree.Root.Children {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "good,my_service" {
		t.Errorf("converted children %v, want good,my_service", names)
	}
}

// Nothing to convert is an error carrying the located problems.
func TestImportSimplevisorNothing(t *testing.T) {
	for name, want := range map[string][]string{
		"nothing.conf": {`nothing.conf:4: supervisor "empty": no child could be converted; left out`, `nothing.conf:8: service "nostart": needs start or control; not converted`},
		"syntax.conf":  {"syntax.conf:8: </children> does not close <entry> (opened at syntax.conf:4)"},
	} {
		res, err := convertFile(t, name)
		var nc *ErrNothingConverted
		if !errors.As(err, &nc) {
			t.Fatalf("%s: result %v, error %v; want *ErrNothingConverted", name, res, err)
		}
		if got := strings.TrimSpace(problemsText(nc.Problems)); got != strings.Join(want, "\n") {
			t.Errorf("%s problems:\n%s\nwant:\n%s", name, got, strings.Join(want, "\n"))
		}
	}
	if _, err := ConvertSimplevisor(filepath.Join(testdataDir, "does-not-exist.conf")); err == nil || !strings.Contains(err.Error(), "does-not-exist.conf") {
		t.Errorf("missing file: %v", err)
	}
	for in, want := range map[string]string{
		"":                                       "t.conf:1: no <entry>: nothing to supervise",
		"<entry>\n</entry>\n":                    "t.conf:1: <entry> without type",
		"<entry>\ntype = supervisor\n</entry>\n": `t.conf:1: supervisor "supervisor" has no <children>; not converted`,
	} {
		_, err := ConvertSimplevisorBytes("t.conf", []byte(in))
		var nc *ErrNothingConverted
		if !errors.As(err, &nc) || !strings.HasPrefix(problemsText(nc.Problems), want) {
			t.Errorf("%q: %v, want first problem %q", in, err, want)
		}
	}
}

// Service edge cases, each on its own small file.
func TestImportSimplevisorServices(t *testing.T) {
	wrap := func(svc string) []byte {
		return []byte("<entry>\ntype = supervisor\n<children>\n<entry>\ntype = service\nname = s\n" + svc + "</entry>\n<entry>\ntype = service\nname = other\ncontrol = /etc/init.d/other\n</entry>\n</children>\n</entry>\n")
	}
	tests := []struct {
		name, svc string
		problem   string            // expected problem (substring), "" for none
		converted bool              // s is in the tree
		with      map[string]string // with: values of s (lists joined by |)
	}{
		{"start only: pattern from start", "start = /bin/sleep 1000\n", "", true, map[string]string{"start": "/bin/sleep|1000"}},
		{"dollar kept literally", "start = /bin/echo \\${HOME} $$\nstatus = /bin/true\n", "", true, map[string]string{"start": "/bin/echo|${HOME}|$$"}},
		{"percent unquoting", "start = /bin/echo a%20b %zz 100%\nstatus = /bin/true\n", "", true, map[string]string{"start": "/bin/echo|a b|%zz|100%"}},
		{"timeout", "control = /etc/init.d/s\ntimeout = 5\n", "", true, map[string]string{"timeout": "5s", "ready_timeout": "5s"}},
		{"bad timeout", "control = /etc/init.d/s\ntimeout = 1.5\n", `t.conf:8: service "s": timeout = 1.5: want a positive whole number of seconds; not converted`, false, nil},
		{"expected wrong", "control = /etc/init.d/s\nexpected = Running\n", `t.conf:8: service "s": expected = Running: want running or stopped`, false, nil},
		{"pattern and status", "start = /x\nstatus = /y\npattern = x\n", `t.conf:9: service "s": pattern cannot be combined with status`, false, nil},
		{"daemon and control", "control = /etc/init.d/s\ndaemon = /run/s.pid\n", "daemon cannot be combined with control", false, nil},
		{"daemon stopped", "start = /x\ndaemon = /run/s.pid\nexpected = stopped\n", "cannot be expected stopped", false, nil},
		{"daemon ignores stop", "start = /x -f\ndaemon = /run/s.pid\nstop = /y\n", `t.conf:9: service "s": stop ignored`, true, map[string]string{"run": "/x|-f"}},
		{"empty start", "start =\n", `t.conf:7: service "s": start is empty`, false, nil},
		{"repeated key", "control = /etc/init.d/a\ncontrol = /etc/init.d/b\n", "t.conf:8: control given again (first at line 7): only the first is used", true, map[string]string{"control": "/etc/init.d/a"}},
		{"logname", "control = /etc/init.d/s\nlogname = foo\n", "logname not converted", true, nil},
		{"stop without status", "start = /x\nstop = /y\n", "`stop` needs `status`", false, nil},
		{"block in entry", "control = /c\n<odd>\n</odd>\n", "t.conf:8: block <odd> in an <entry>: unknown", true, nil},
		{"variables of the entry", "var_dir = /opt\ncontrol = ${var_dir}/s\n", "", true, map[string]string{"control": "/opt/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ConvertSimplevisorBytes("t.conf", wrap(tt.svc))
			if err != nil {
				t.Fatal(err)
			}
			got := problemsText(res.Problems)
			if tt.problem == "" && got != "" || !strings.Contains(got, tt.problem) {
				t.Errorf("problems:\n%s\nwant %q", got, tt.problem)
			}
			tree, err := supervision.LoadBytes("t.yaml", res.Tree)
			if err != nil {
				t.Fatalf("%v\n%s", err, res.Tree)
			}
			var s *supervision.Node
			for _, c := range tree.Root.Children {
				if c.Name == "s" {
					s = c
				}
			}
			if (s != nil) != tt.converted {
				t.Fatalf("service converted: %v, want %v\n%s", s != nil, tt.converted, res.Tree)
			}
			for k, want := range tt.with {
				var v string
				if strings.HasSuffix(k, "timeout") {
					v = formatDuration(s.With.Duration(k))
				} else if l := s.With.Strings(k); len(l) > 0 {
					v = strings.Join(l, "|")
				} else {
					v = s.With.String(k)
				}
				if v != want {
					t.Errorf("with.%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestImportHelpers(t *testing.T) {
	for in, want := range map[string]string{"a%20b": "a b", "%41%42": "AB", "%": "%", "%4": "%4", "x%zzy": "x%zzy", "plain": "plain"} {
		if got := unquote(in); got != want {
			t.Errorf("unquote(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"ok.name-1": "ok.name-1", "my service": "my_service", ".dot": "_dot", "-x": "_x", "a/b": "a_b"} {
		if got := treeName(in); got != want {
			t.Errorf("treeName(%q) = %q, want %q", in, got, want)
		}
	}
	for d, want := range map[time.Duration]string{0: "0s", 90 * time.Second: "90s", 12 * time.Minute: "12m", 2 * time.Hour: "2h", 1500 * time.Millisecond: "1500ms"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	if fs := Formats(); len(fs) == 0 || fs[0].Name != "simplevisor" || fs[0].Convert == nil {
		t.Errorf("Formats() = %+v", fs)
	}
}
