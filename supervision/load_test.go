package supervision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/actors"
)

// testEnv is the only environment the loader tests see, so they do not
// depend on the machine's variables.
var testEnv = map[string]string{"APP_NAME": "", "SPOOL": "/var/spool/test", "INTENSITY": "4"}

func testLoader() *Loader {
	return &Loader{LookupEnv: func(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }}
}

// badTrees lists every file of testdata/bad with the exact problems Load
// must report, in order; several files have many problems, which proves
// errors are collected rather than stopping at the first.
var badTrees = []struct {
	file string
	want []string
}{
	{`bad_durations.yaml`, []string{
		`testdata/bad/bad_durations.yaml:2:9: period: bad duration "10" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`testdata/bad/bad_durations.yaml:3:11: cooldown: bad duration "-1s" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`testdata/bad/bad_durations.yaml:4:10: backoff: min 5s is longer than max 1s`,
		`testdata/bad/bad_durations.yaml:8:15: children[0].shutdown: must be longer than 0s (write brutal_kill to stop at once)`,
		`testdata/bad/bad_durations.yaml:9:15: children[0].watchdog: bad duration "soon" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`testdata/bad/bad_durations.yaml:12:17: children[0].with.interval: bad duration "3 seconds" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`testdata/bad/bad_durations.yaml:13:22: children[0].with.retry.delay: bad duration "10" (want a number with a unit, e.g. 500ms, 10s, 2m)`,
		`testdata/bad/bad_durations.yaml:16:15: children[1].shutdown: bad shutdown "5" (want a duration such as 5s, brutal_kill or infinity)`,
	}},
	{`bad_names.yaml`, []string{
		`testdata/bad/bad_names.yaml:1:7: name: bad name "app/main" (want letters, digits, _ . -; / separates the parts of a node path)`,
		`testdata/bad/bad_names.yaml:3:11: children[0].name: bad name "a b" (want letters, digits, _ . -; / separates the parts of a node path)`,
		`testdata/bad/bad_names.yaml:5:5: children[1].name: required field missing (every node has a name)`,
		`testdata/bad/bad_names.yaml:6:11: children[2].name: want a single value, got a list`,
	}},
	{`bad_restart.yaml`, []string{
		`testdata/bad/bad_restart.yaml:6:14: children[0].restart: unknown value "always" (want permanent, transient, temporary)`,
	}},
	{`bad_sibling.yaml`, []string{
		`testdata/bad/bad_sibling.yaml:5:26: children[0].with.to: no sibling named "sender" (siblings: self, sub)`,
		`testdata/bad/bad_sibling.yaml:8:26: children[1].with.to: "self" is this node itself, not a sibling`,
		`testdata/bad/bad_sibling.yaml:13:30: children[2].children[0].with.to: no sibling named "reader" (siblings: none)`,
	}},
	{`bad_strategy.yaml`, []string{
		`testdata/bad/bad_strategy.yaml:2:11: strategy: unknown value "one_for_some" (want one_for_one, one_for_all, rest_for_one)`,
		`testdata/bad/bad_strategy.yaml:5:15: children[0].strategy: unknown value "simple_one_for_one" (want one_for_one, one_for_all, rest_for_one)`,
	}},
	{`duplicate_keys.yaml`, []string{
		`testdata/bad/duplicate_keys.yaml:3:1: strategy: duplicate key (first at line 2)`,
		`testdata/bad/duplicate_keys.yaml:7:22: children[0].with.path: duplicate key (first at line 7)`,
	}},
	{`duplicate_names.yaml`, []string{
		`testdata/bad/duplicate_names.yaml:7:11: children[2].name: duplicate name "a" (first at line 3)`,
		`testdata/bad/duplicate_names.yaml:9:11: children[3].name: duplicate name "b" (first at line 5)`,
	}},
	{`empty.yaml`, []string{
		`testdata/bad/empty.yaml: empty tree file`,
	}},
	{`env.yaml`, []string{
		`testdata/bad/env.yaml:2:12: intensity: environment variable NOT_SET_ANYWHERE is not set (write ${NOT_SET_ANYWHERE:-default} to give a default)`,
		`testdata/bad/env.yaml:6:18: children[0].with.path: unclosed ${ in "${SPOOL"`,
		`testdata/bad/env.yaml:6:33: children[0].with.to: bad variable name "1BAD" in ${1BAD} (want letters, digits and _, then optionally :-default)`,
	}},
	{`include_cycle.yaml`, []string{
		`testdata/bad/inc/cycle_b.yaml:3:14: children[0].children[0].children[0].include: include cycle: include_cycle.yaml -> cycle_a.yaml -> cycle_b.yaml -> include_cycle.yaml`,
	}},
	{`include_errors.yaml`, []string{
		`testdata/bad/inc/broken.yaml:2:11: children[1].strategy: unknown value "all_for_one" (want one_for_one, one_for_all, rest_for_one)`,
		`testdata/bad/inc/broken.yaml:6:11: children[1].children[0].with.path: required field missing (string)`,
		`testdata/bad/inc/broken.yaml:6:16: children[1].children[0].with.to: no sibling named "nobody" (siblings: none)`,
		`testdata/bad/include_errors.yaml:3:14: children[0].include: cannot include: open testdata/bad/inc/missing.yaml: no such file or directory`,
		`testdata/bad/include_errors.yaml:6:5: children[1].restart: unknown key next to include (want include, name)`,
		`testdata/bad/include_errors.yaml:7:11: children[2].name: duplicate name "renamed" (first at line 5)`,
	}},
	{`kind_and_children.yaml`, []string{
		`testdata/bad/kind_and_children.yaml:4:5: children[0]: a node has kind (a worker) or children (a supervisor), not both`,
		`testdata/bad/kind_and_children.yaml:7:5: children[1]: a node needs kind (a worker) or children (a supervisor)`,
	}},
	{`missing_required.yaml`, []string{
		`testdata/bad/missing_required.yaml:3:5: children[0].with.path: required field missing (string)`,
		`testdata/bad/missing_required.yaml:8:7: children[1].with.path: required field missing (string)`,
		`testdata/bad/missing_required.yaml:9:14: children[1].with.retry.delay: required field missing (duration)`,
	}},
	{`not_mappings.yaml`, []string{
		`testdata/bad/not_mappings.yaml:3:5: children[0]: want a mapping (key: value), got "just-a-string"`,
		`testdata/bad/not_mappings.yaml:6:11: children[1].with: want a mapping (key: value), got a list`,
		`testdata/bad/not_mappings.yaml:8:15: children[2].children: want a list, got a mapping`,
	}},
	{`root_list.yaml`, []string{
		`testdata/bad/root_list.yaml:1:1: want a mapping (key: value), got a list`,
	}},
	{`secrets.yaml`, []string{
		`testdata/bad/secrets.yaml:5:37: children[0].with.pass_file: give pass or pass_file, not both (other at line 5)`,
		`testdata/bad/secrets.yaml:8:33: children[1].with.pass_file: cannot read secret: open testdata/bad/inc/no-such-secret.txt: no such file or directory`,
		`testdata/bad/secrets.yaml:11:5: children[2].with: mode fast cannot use a password`,
		`testdata/bad/secrets.yaml:14:28: children[3].with.pass: want a string, got a secret value`,
	}},
	{`syntax.yaml`, []string{
		`testdata/bad/syntax.yaml:2:0: did not find expected '-' indicator`,
	}},
	{`two_documents.yaml`, []string{
		`testdata/bad/two_documents.yaml:3:1: a tree file holds one YAML document (found a second one)`,
	}},
	{`types.yaml`, []string{
		`testdata/bad/types.yaml:2:12: intensity: want a count of restarts (0 or more), got "-1"`,
		`testdata/bad/types.yaml:7:13: children[0].with.path: want a string, got a list`,
		`testdata/bad/types.yaml:8:14: children[0].with.count: want an integer, got "many"`,
		`testdata/bad/types.yaml:9:16: children[0].with.verbose: want true or false, got "maybe"`,
		`testdata/bad/types.yaml:10:14: children[0].with.ratio: want a number, got "half"`,
		`testdata/bad/types.yaml:11:13: children[0].with.tags: want a list, got a mapping`,
		`testdata/bad/types.yaml:12:12: children[0].with.env: want a mapping (key: value), got a list`,
		`testdata/bad/types.yaml:13:14: children[0].with.retry: want a mapping (key: value), got "5"`,
		`testdata/bad/types.yaml:14:17: children[0].with.interval: want a duration, got a mapping`,
		`testdata/bad/types.yaml:17:11: children[1].with: want a mapping (key: value), got a list`,
		`testdata/bad/types.yaml:19:11: children[2].kind: want a single value, got a list`,
	}},
	{`unknown_keys.yaml`, []string{
		`testdata/bad/unknown_keys.yaml:2:1: restrat: unknown key, did you mean restart? (want name, kind, restart, significant, shutdown, watchdog, with, strategy, intensity, period, backoff, cooldown, auto_shutdown, children)`,
		`testdata/bad/unknown_keys.yaml:3:29: backoff.avg: unknown key (want min, max)`,
		`testdata/bad/unknown_keys.yaml:9:7: children[0].with.pth: unknown key, did you mean path? (want path, to, mode, interval, pass, pass_file, retry, tags, env, count, verbose, ratio, extra)`,
		`testdata/bad/unknown_keys.yaml:10:26: children[0].with.retry.tries: unknown key (want max, delay)`,
		`testdata/bad/unknown_keys.yaml:11:5: children[0].args: unknown key (want name, kind, restart, significant, shutdown, watchdog, with, strategy, intensity, period, backoff, cooldown, auto_shutdown, children)`,
	}},
	{`unknown_kind.yaml`, []string{
		`testdata/bad/unknown_kind.yaml:4:11: children[0].kind: unknown kind "stomp.nope" (REGISTERED)`,
		`testdata/bad/unknown_kind.yaml:7:11: children[1].kind: unknown kind "loadtest.sinc", did you mean loadtest.sink? (REGISTERED)`,
	}},
	{`wrong_on_node_type.yaml`, []string{
		`testdata/bad/wrong_on_node_type.yaml:2:1: watchdog: only a worker (a node with kind) takes watchdog`,
		`testdata/bad/wrong_on_node_type.yaml:3:1: with: only a worker (a node with kind) takes with`,
		`testdata/bad/wrong_on_node_type.yaml:4:1: include: include is only allowed as an item of a children list`,
		`testdata/bad/wrong_on_node_type.yaml:8:5: children[0].strategy: only a supervisor (a node with children) takes strategy`,
		`testdata/bad/wrong_on_node_type.yaml:9:5: children[0].intensity: only a supervisor (a node with children) takes intensity`,
		`testdata/bad/wrong_on_node_type.yaml:10:5: children[0].period: only a supervisor (a node with children) takes period`,
	}},
}

func TestLoadBadTrees(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, tc := range badTrees {
		listed[tc.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no entry in badTrees", f)
		}
	}
	for _, tc := range badTrees {
		t.Run(strings.TrimSuffix(tc.file, ".yaml"), func(t *testing.T) {
			t.Parallel()
			tree, err := testLoader().Load(filepath.Join("testdata/bad", tc.file))
			if tree != nil {
				t.Errorf("Load returned a tree along with errors: nothing may start from a bad file")
			}
			var errs actors.ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T), want actors.ConfigErrors", err, err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			// Other tests of this package register kinds too: the list
			// of registered kinds is whatever the registry holds.
			w := strings.ReplaceAll(strings.Join(tc.want, "\n"), "REGISTERED", registeredKinds())
			if g := strings.Join(got, "\n"); g != w {
				t.Errorf("errors:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// TestLoadSender checks the values Load gives the nodes of the tree,
// defaults included.
func TestLoadSender(t *testing.T) {
	t.Parallel()
	tree, err := testLoader().Load("testdata/good/sender.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Root
	if root.Name != "sender" || root.Strategy != RestForOne || root.Intensity != 5 || root.Period != 10*time.Second ||
		!root.Shutdown.Infinity || !root.IsSupervisor() || len(root.Children) != 3 {
		t.Fatalf("root = %+v", root)
	}
	broker, reader, workers := root.Children[0], root.Children[1], root.Children[2]
	if broker.Kind != "loadtest.sink" || broker.Shutdown.Timeout != 5*time.Second || broker.Pos != (Pos{"testdata/good/sender.yaml", 6, 5}) {
		t.Errorf("broker = %+v", broker)
	}
	if reader.Restart != Permanent || reader.Shutdown.Timeout != DefaultWorkerShutdown || reader.With.String("to") != "broker" ||
		reader.With.String("mode") != "safe" || reader.With.Object("retry").Int("max") != 3 {
		t.Errorf("reader = %+v with %v", reader, reader.With.Values())
	}
	if workers.Strategy != OneForOne || workers.Intensity != DefaultIntensity || workers.Period != DefaultPeriod ||
		workers.Backoff != (Backoff{100 * time.Millisecond, 10 * time.Second}) || workers.Cooldown != time.Minute {
		t.Errorf("workers = %+v", workers)
	}
	idx := workers.Children[0]
	if idx.Restart != Transient || !idx.Shutdown.BrutalKill || idx.Watchdog != 30*time.Second || idx.With.String("label") != "sink" {
		t.Errorf("indexer = %+v", idx)
	}
}

// TestLoadIncludeEnvSecrets loads a tree that includes another file, takes
// values from the environment and a password from a file.
func TestLoadIncludeEnvSecrets(t *testing.T) {
	t.Parallel()
	tree, err := testLoader().Load("testdata/good/include.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Root
	if root.Name != "app" || root.Intensity != 4 {
		t.Errorf("root name %q (APP_NAME is empty: want the default), intensity %d (want 4 from INTENSITY)", root.Name, root.Intensity)
	}
	if len(root.Children) != 3 {
		t.Fatalf("children = %d, want 3", len(root.Children))
	}
	reader := root.Children[0]
	if got := reader.With.String("path"); got != "/var/spool/test/in" {
		t.Errorf("path = %q, want ${SPOOL} expanded", got)
	}
	if got := reader.With.String("pass"); got != "hunter2" {
		t.Errorf("pass = %q, want the content of pass_file", got)
	}
	if got := reader.With.Strings("tags"); strings.Join(got, ",") != "a,$literal,fallback,${NOT_A_VAR}" {
		t.Errorf("tags = %q", got)
	}
	pool := root.Children[1]
	if pool.Name != "pool" || pool.Pos.File != "testdata/good/inc/pool.yaml" || len(pool.Children) != 2 {
		t.Fatalf("included node = %+v, want the root of inc/pool.yaml renamed pool", pool)
	}
	if w := pool.Children[1]; w.Pos != (Pos{"testdata/good/inc/pool.yaml", 8, 5}) || w.With.String("to") != "w1" {
		t.Errorf("included worker = %+v", w)
	}
	merged := root.Children[2]
	if merged.Restart != Temporary || merged.With.String("mode") != "fast" || merged.With.String("path") != "/merged" {
		t.Errorf("node built with a merge key = %+v %v", merged, merged.With.Values())
	}
}

func TestLoadReadError(t *testing.T) {
	t.Parallel()
	_, err := Load("testdata/no-such-tree.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "testdata/no-such-tree.yaml: cannot read tree: open testdata/no-such-tree.yaml: no such file") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadBytesUsesRealEnvironment(t *testing.T) {
	t.Setenv("BRICKS_LOADTEST_LABEL", "from-env")
	tree, err := LoadBytes("mem.yaml", []byte("name: solo\nkind: loadtest.sink\nwith:\n  label: ${BRICKS_LOADTEST_LABEL}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tree.Root.With.String("label"); got != "from-env" || tree.Root.IsSupervisor() || tree.File != "mem.yaml" {
		t.Errorf("label = %q, tree %+v", got, tree.Root)
	}
}

// TestLoadGoodTreesFromDisk makes sure every good tree loads, so the
// files used by the round-trip and render tests stay valid.
func TestLoadGoodTreesFromDisk(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/good/*.yaml")
	if len(files) < 3 {
		t.Fatalf("only %d good trees", len(files))
	}
	for _, f := range files {
		if _, err := testLoader().Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat("testdata/good/inc/secret.txt"); err != nil {
		t.Error(err)
	}
}

// TestLoadAliasBombs loads files where aliases make a few lines stand for
// an exponentially large tree: merge keys are expanded once per node, and
// repeated subtrees stop at MaxNodes with that reason first.
func TestLoadAliasBombs(t *testing.T) {
	t.Parallel()
	var merge, subtree strings.Builder
	merge.WriteString("m0: &m0 {path: /q}\n")
	subtree.WriteString("name: app\nchildren:\n  - &s0 {name: s0, kind: loadtest.sink}\n")
	for i := 1; i <= 12; i++ {
		m := strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 8)
		fmt.Fprintf(&merge, "m%d: &m%d {<<: [%s], k%d: 1}\n", i, i, strings.TrimSuffix(m, ", "), i)
		s := strings.Repeat(fmt.Sprintf("*s%d, ", i-1), 8)
		fmt.Fprintf(&subtree, "  - &s%d {name: s%d, children: [%s]}\n", i, i, strings.TrimSuffix(s, ", "))
	}
	merge.WriteString("name: app\nkind: loadtest.sink\nwith:\n  <<: *m12\n")
	_, err := testLoader().LoadBytes("merge.yaml", []byte(merge.String()))
	var errs actors.ConfigErrors
	// 13 unknown top-level keys m0..m12, and the 13 keys merged into
	// with: (path, k1..k12), each reported once however often it is merged.
	if !errors.As(err, &errs) || len(errs) != 26 || strings.Count(err.Error(), "with.path: unknown key (want label)") != 1 {
		t.Errorf("merge bomb: got %d errors, want 26:\n%v", len(errs), err)
	}

	_, err = testLoader().LoadBytes("subtree.yaml", []byte(subtree.String()))
	if !errors.As(err, &errs) || len(errs) != MaxErrors+1 {
		t.Fatalf("subtree bomb: %d errors, want %d", len(errs), MaxErrors+1)
	}
	if first, last := errs[0].Error(), errs[MaxErrors].Error(); !strings.Contains(first, "tree has more than 100000 nodes") ||
		!strings.HasPrefix(last, "subtree.yaml: and ") || !strings.HasSuffix(last, " more problems") {
		t.Errorf("subtree bomb: first %q, last %q", first, last)
	}
}
