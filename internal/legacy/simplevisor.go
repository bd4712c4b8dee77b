package legacy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/command"
	"github.com/bricksmq/bricks/internal/confgen"
	"github.com/bricksmq/bricks/supervision"
)

// simplevisor's defaults (simplevisor.md §2).
const (
	svInterval    = 60 * time.Second
	svWindow      = 12
	svAdjustments = 3
	svTimeout     = 60 * time.Second
	svRootName    = "simplevisor" // supervisor put above a root service
)

func init() {
	register(Format{
		Name:    "simplevisor",
		Summary: "Convert a python-simplevisor configuration (Config::General) into a tree",
		Long: "Reads a simplevisor configuration file (<simplevisor> options, one root <entry>,\n" +
			"includes and ${var_*} variables) and prints the equivalent bricks tree: supervisors\n" +
			"keep their strategy, window/adjustments become intensity/period (period = window x\n" +
			"interval), services become `command` workers in non-intrusive mode.",
		Convert: ConvertSimplevisor,
	})
}

// ConvertSimplevisor converts the simplevisor configuration file at path.
func ConvertSimplevisor(path string) (*Result, error) {
	root, err := confgen.ParseFile(path, confgen.SimplevisorOptions())
	return convertSimplevisor(path, root, err)
}

// ConvertSimplevisorBytes converts a simplevisor configuration held in
// memory; name is used in problems and includes are relative to it.
func ConvertSimplevisorBytes(name string, data []byte) (*Result, error) {
	root, err := confgen.Parse(name, data, confgen.SimplevisorOptions())
	return convertSimplevisor(name, root, err)
}

// svConv is one conversion in progress.
type svConv struct {
	interval time.Duration // simplevisor's cycle: every service's status interval
	problems []Problem
}

func (c *svConv) problem(pos confgen.Pos, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func convertSimplevisor(file string, root *confgen.Node, err error) (*Result, error) {
	if err != nil {
		var pe *confgen.Error
		if errors.As(err, &pe) {
			return nil, &ErrNothingConverted{File: file, Problems: []Problem{{Pos: pe.Pos, Msg: pe.Msg}}}
		}
		return nil, fmt.Errorf("simplevisor %s: %w", file, err)
	}
	c := &svConv{interval: svInterval}
	// Program options first: the interval is needed by every entry.
	for _, n := range root.Children {
		if n.Block && n.Key == "simplevisor" {
			c.options(n)
		}
	}
	var entries []*confgen.Node
	for _, n := range root.Children {
		switch {
		case n.Block && n.Key == "simplevisor":
		case !n.Block && strings.HasPrefix(n.Key, "var_"):
		case n.Block && n.Key == "entry":
			entries = append(entries, n)
		default:
			c.problem(n.Pos, "%s: simplevisor's configuration holds only a <simplevisor> block and one <entry>; not converted", n)
		}
	}
	var tree *yaml.Node
	switch len(entries) {
	case 0:
		c.problem(root.Pos, "no <entry>: nothing to supervise")
	default:
		for _, e := range entries[1:] {
			c.problem(e.Pos, "second root <entry>: simplevisor has one root entry (put them under a supervisor); not converted")
		}
		var isService bool
		tree, _, isService = c.entry(entries[0], "")
		if tree != nil && isService {
			c.problem(entries[0].Pos, "the root <entry> is a service: put under a supervisor named %q with simplevisor's default window and adjustments", svRootName)
			tree = c.supervisorNode(svRootName, entries[0].Pos, "one_for_one", svAdjustments, fmt.Sprintf("adjustments %d", svAdjustments),
				svWindow*c.interval, c.windowNote(svWindow), []*yaml.Node{tree})
		}
	}
	sortProblems(root, c.problems)
	if tree == nil {
		return nil, &ErrNothingConverted{File: file, Problems: c.problems}
	}
	out, err := encode(tree, "bricks tree converted by `bricks import simplevisor` from "+file+";\n"+
		"comments give the file:line of each simplevisor entry.")
	if err != nil {
		return nil, fmt.Errorf("simplevisor %s: writing the tree: %w", file, err)
	}
	loaded, err := loadGenerated(file+" (converted)", out)
	if err != nil {
		return nil, fmt.Errorf("simplevisor %s: the converted tree does not load (a bug of the converter): %w", file, err)
	}
	return &Result{Tree: out, Problems: c.problems, Converted: workers(loaded.Root)}, nil
}

// loadGenerated loads a tree the converter made. Values never refer to the
// environment (scalar escapes $), so none is given.
func loadGenerated(name string, data []byte) (*supervision.Tree, error) {
	ld := &supervision.Loader{LookupEnv: func(string) (string, bool) { return "", false }}
	return ld.LoadBytes(name, data)
}

// workers counts the workers of a tree.
func workers(n *supervision.Node) int {
	if !n.IsSupervisor() {
		return 1
	}
	c := 0
	for _, k := range n.Children {
		c += workers(k)
	}
	return c
}

// programOptions are <simplevisor> keys (simplevisor's command-line options)
// that have no place in a tree.
var programOptions = map[string]string{
	"store":    "bricks keeps the restart history in memory, without a state file",
	"pidfile":  "bricks run writes no pid file",
	"log":      "bricks run logs to stderr, see its --log-format",
	"logfile":  "bricks run logs to stderr, see its --log-format",
	"logname":  "bricks run logs to stderr, see its --log-format",
	"loglevel": "use bricks run --log-level",
	"daemon":   "bricks run stays in the foreground; let the init system run it",
	"conf":     "the tree file is the configuration",
	"conftype": "the tree file is the configuration",
}

// options reads the <simplevisor> block: the interval is used, the other
// program options are reported.
func (c *svConv) options(b *confgen.Node) {
	for _, o := range b.Children {
		switch {
		case o.Block:
			c.problem(o.Pos, "%s in <simplevisor>: unknown to simplevisor; ignored", o)
		case strings.HasPrefix(o.Key, "var_"):
		case o.Key == "interval":
			d, ok := seconds(o.Value)
			if !ok {
				c.problem(o.Pos, "interval = %s: want a positive whole number of seconds; using %s", o.Value, formatDuration(svInterval))
				continue
			}
			c.interval = d
		default:
			if hint, ok := programOptions[o.Key]; ok {
				c.problem(o.Pos, "%s = %s: simplevisor program option, not part of a tree (%s); not converted", o.Key, o.Value, hint)
				continue
			}
			c.problem(o.Pos, "unknown simplevisor option %q; ignored", o.Key)
		}
	}
}

// entryKeys are the options each entry type accepts (besides var_*).
var entryKeys = map[string][]string{
	"supervisor": {"type", "name", "strategy", "window", "adjustments", "expected", "max_restarts", "max_time"},
	"service":    {"type", "name", "expected", "control", "start", "stop", "status", "restart", "pattern", "daemon", "path", "timeout", "logname"},
}

// entry converts one <entry>; forced is the expected state an enclosing
// supervisor imposes ("" for none). It returns nil when the entry is not
// converted, after reporting why.
func (c *svConv) entry(e *confgen.Node, forced string) (node *yaml.Node, name string, isService bool) {
	opts := map[string]*confgen.Node{}
	var children []*confgen.Node
	for _, o := range e.Children {
		if o.Block {
			if o.Key == "children" && !o.Named {
				children = append(children, o)
			} else {
				c.problem(o.Pos, "%s in an <entry>: unknown to simplevisor; ignored", o)
			}
			continue
		}
		if prev, dup := opts[o.Key]; dup {
			first := fmt.Sprintf("line %d", prev.Pos.Line)
			if prev.Pos.File != o.Pos.File {
				first = prev.Pos.String()
			}
			c.problem(o.Pos, "%s given again (first at %s): only the first is used", o.Key, first)
			continue
		}
		opts[o.Key] = o
	}
	typ, ok := opts["type"]
	if !ok {
		c.problem(e.Pos, "<entry> without type (want supervisor or service); not converted")
		return nil, "", false
	}
	keys, ok := entryKeys[typ.Value]
	if !ok {
		c.problem(typ.Pos, "type = %s: want supervisor or service; entry not converted", typ.Value)
		return nil, "", false
	}
	for _, o := range e.Children {
		if !o.Block && opts[o.Key] == o && !strings.HasPrefix(o.Key, "var_") && !slices.Contains(keys, o.Key) {
			c.problem(o.Pos, "unknown key %q in a %s entry (simplevisor refuses it); ignored", o.Key, typ.Value)
		}
	}
	if typ.Value == "service" {
		for _, ch := range children {
			c.problem(ch.Pos, "<children> in a service entry: ignored")
		}
		node, name = c.service(e, opts, forced)
		return node, name, true
	}
	node, name = c.supervisor(e, opts, children, forced)
	return node, name, false
}

// supervisor converts a supervisor entry and its children.
func (c *svConv) supervisor(e *confgen.Node, opts map[string]*confgen.Node, children []*confgen.Node, forced string) (*yaml.Node, string) {
	name, ok := c.name(e, opts, "supervisor")
	what := fmt.Sprintf("supervisor %q", name)
	bad := !ok
	strategy := "one_for_one"
	if o := opts["strategy"]; o != nil {
		if _, err := supervision.ParseStrategy(o.Value); err != nil {
			c.problem(o.Pos, "%s: strategy = %s: want one_for_one, one_for_all or rest_for_one; not converted", what, o.Value)
			bad = true
		}
		strategy = o.Value
	}
	window, ok := c.count(opts["window"], svWindow, 1, what)
	bad = bad || !ok
	adjustments, ok := c.count(opts["adjustments"], svAdjustments, 0, what)
	bad = bad || !ok
	period := time.Duration(window) * c.interval
	periodNote := c.windowNote(window)
	intensityNote := fmt.Sprintf("adjustments %d", adjustments)
	// Early simplevisor versions (and the example of its documentation)
	// counted restarts in seconds, as OTP does: max_restarts in max_time.
	if o := opts["max_restarts"]; o != nil && opts["adjustments"] == nil {
		if adjustments, ok = c.count(o, svAdjustments, 0, what); ok {
			intensityNote = "max_restarts"
			c.problem(o.Pos, "%s: max_restarts (early simplevisor) converted to intensity %d; current simplevisor refuses it (use adjustments)", what, adjustments)
		}
		bad = bad || !ok
	}
	if o := opts["max_time"]; o != nil && opts["window"] == nil {
		secs, ok := c.count(o, 0, 1, what)
		if ok {
			period, periodNote = time.Duration(secs)*time.Second, "max_time"
			c.problem(o.Pos, "%s: max_time (early simplevisor) converted to period %s; current simplevisor refuses it (use window)", what, formatDuration(period))
		}
		bad = bad || !ok
	}
	if o := opts["expected"]; o != nil {
		switch v := strings.ToLower(o.Value); v { // simplevisor lowercases it
		case "none":
		case "running", "stopped":
			if forced == "" {
				forced = v
			}
		default:
			c.problem(o.Pos, "%s: expected = %s: want none, running or stopped; not converted", what, o.Value)
			bad = true
		}
	}
	if len(children) == 0 {
		c.problem(e.Pos, "%s has no <children>; not converted", what)
		bad = true
	}
	for _, extra := range children[min(1, len(children)):] {
		c.problem(extra.Pos, "%s: second <children> block: ignored (put every <entry> in one)", what)
	}
	if bad {
		return nil, ""
	}
	var kids []*yaml.Node
	seen := map[string]confgen.Pos{}
	for _, ch := range children[0].Children {
		if !ch.Block || ch.Key != "entry" {
			c.problem(ch.Pos, "%s in <children>: only <entry> blocks belong there; ignored", ch)
			continue
		}
		n, childName, _ := c.entry(ch, forced)
		if n == nil {
			continue
		}
		if first, dup := seen[childName]; dup {
			c.problem(ch.Pos, "%s: duplicate child name %q (first at %s); not converted", what, childName, first)
			continue
		}
		seen[childName] = ch.Pos
		kids = append(kids, n)
	}
	if len(kids) == 0 {
		c.problem(e.Pos, "%s: no child could be converted; left out", what)
		return nil, ""
	}
	return c.supervisorNode(name, e.Pos, strategy, adjustments, intensityNote, period, periodNote, kids), name
}

// windowNote explains a period computed from a window of cycles.
func (c *svConv) windowNote(window int) string {
	return fmt.Sprintf("window %d x interval %s", window, formatDuration(c.interval))
}

// supervisorNode writes a supervisor: intensity = adjustments and period =
// window × interval (see package command's documentation).
func (c *svConv) supervisorNode(name string, pos confgen.Pos, strategy string, intensity int, intensityNote string, period time.Duration, periodNote string, kids []*yaml.Node) *yaml.Node {
	m := newMapping()
	m.add("name", name).LineComment = pos.String()
	m.add("strategy", strategy)
	m.add("intensity", intensity).LineComment = intensityNote
	m.add("period", period).LineComment = periodNote
	m.add("children", &yaml.Node{Kind: yaml.SequenceNode, Content: kids})
	return m.n
}

// service converts a service entry into a command worker.
func (c *svConv) service(e *confgen.Node, opts map[string]*confgen.Node, forced string) (*yaml.Node, string) {
	name, ok := c.name(e, opts, "")
	if !ok {
		return nil, ""
	}
	what := fmt.Sprintf("service %q", name)
	bad := false
	fail := func(pos confgen.Pos, format string, args ...any) {
		c.problem(pos, what+": "+format+"; not converted", args...)
		bad = true
	}
	has := func(k string) bool { return opts[k] != nil }

	expected := "running"
	if o := opts["expected"]; o != nil {
		if o.Value != "running" && o.Value != "stopped" {
			fail(o.Pos, "expected = %s: want running or stopped", o.Value)
		}
		expected = o.Value
	}
	if forced != "" && forced != expected {
		if has("expected") {
			c.problem(opts["expected"].Pos, "%s: expected = %s replaced by %s, which an enclosing supervisor imposes", what, expected, forced)
		}
		expected = forced
	}
	switch {
	case has("start") && has("control"):
		fail(opts["control"].Pos, "give start or control, not both")
	case !has("start") && !has("control"):
		fail(e.Pos, "needs start or control")
	}
	if has("pattern") {
		for _, k := range []string{"status", "stop", "control"} {
			if has(k) {
				fail(opts["pattern"].Pos, "pattern cannot be combined with %s", k)
			}
		}
	}
	if has("daemon") {
		if has("control") {
			fail(opts["daemon"].Pos, "daemon cannot be combined with control")
		}
		if expected == "stopped" {
			fail(opts["daemon"].Pos, "daemon becomes a program bricks owns (`run`), which cannot be expected stopped")
		}
	}
	timeout := svTimeout
	if o := opts["timeout"]; o != nil {
		d, ok := seconds(o.Value)
		if !ok {
			fail(o.Pos, "timeout = %s: want a positive whole number of seconds", o.Value)
		}
		timeout = d
	}
	cmds := map[string][]string{}
	for _, k := range []string{"start", "stop", "status", "control"} {
		if o := opts[k]; o != nil {
			if cmds[k] = splitCommand(o.Value); len(cmds[k]) == 0 {
				fail(o.Pos, "%s is empty", k)
			}
		}
	}
	if o := opts["pattern"]; o != nil && o.Value == "" {
		fail(o.Pos, "pattern is empty")
	}
	if bad {
		return nil, ""
	}
	if o := opts["logname"]; o != nil {
		c.problem(o.Pos, "%s: logname not converted: bricks logs the commands' output under the node path", what)
	}
	if o := opts["restart"]; o != nil && o.Value != "stop+start" {
		c.problem(o.Pos, "%s: restart = %s not converted: a bricks restart is always stop, then start", what, o.Value)
	}

	m := newMapping()
	m.add("name", name).LineComment = e.Pos.String()
	m.add("kind", command.KindName)
	with := newMapping()
	if o := opts["daemon"]; o != nil {
		c.problem(o.Pos, "%s: daemon = %s converted to `run`: bricks starts the program in the foreground and owns it (no simplevisor-loop, no pid file)", what, o.Value)
		for _, k := range []string{"stop", "status", "pattern"} {
			if has(k) {
				c.problem(opts[k].Pos, "%s: %s ignored: with daemon, the program is stopped and checked by its process", what, k)
			}
		}
		m.add("shutdown", timeout)
		with.add("run", cmds["start"])
	} else {
		// Stopping may take a stop command, then as long again for status
		// to confirm; the node's shutdown must not cut that short.
		m.add("shutdown", 2*timeout)
		for _, k := range []string{"control", "start", "stop", "status"} {
			if cmds[k] != nil {
				with.add(k, cmds[k])
			}
		}
		if o := opts["pattern"]; o != nil {
			with.add("pattern", o.Value)
		}
		if expected == "stopped" {
			with.add("expected", expected)
		}
		with.add("interval", c.interval)
		if has("timeout") {
			with.add("timeout", timeout)
		}
		// simplevisor waits up to timeout for a started or stopped
		// service to reach its state ("careful" mode).
		with.add("ready_timeout", timeout)
	}
	if o := opts["path"]; o != nil {
		with.add("path", o.Value)
	}
	m.add("with", with.n)
	if err := c.check(m.n); err != nil {
		c.problem(e.Pos, "%s: %v; not converted", what, err)
		return nil, ""
	}
	return m.n, name
}

// check loads one converted worker on its own, so that what the command
// kind refuses (a pattern Go cannot compile...) is reported against the
// simplevisor entry instead of spoiling the whole tree.
func (c *svConv) check(worker *yaml.Node) error {
	data, err := encode(worker, "")
	if err != nil {
		return err
	}
	_, err = loadGenerated("service", data)
	var errs actors.ConfigErrors
	if errors.As(err, &errs) {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Msg
			if e.Path != "" {
				msgs[i] = e.Path + ": " + e.Msg
			}
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}

// name returns an entry's name (def when absent; a service has none) in the
// characters a tree allows, reporting any change.
func (c *svConv) name(e *confgen.Node, opts map[string]*confgen.Node, def string) (string, bool) {
	o := opts["name"]
	if o == nil || o.Value == "" {
		if def == "" {
			c.problem(e.Pos, "service entry without a name; not converted")
			return "", false
		}
		return def, true
	}
	name := treeName(o.Value)
	if name != o.Value {
		c.problem(o.Pos, "name %q is %q in the tree (names use letters, digits, _ . -)", o.Value, name)
	}
	return name, true
}

// treeName replaces the characters a tree name does not allow with _.
func treeName(s string) string {
	b := []byte(s)
	for i, ch := range b {
		ok := ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || (i > 0 && (ch == '.' || ch == '-'))
		if !ok {
			b[i] = '_'
		}
	}
	return string(b)
}

// count reads an integer option of a supervisor, at least lo, def when
// absent; a bad value leaves the supervisor out.
func (c *svConv) count(o *confgen.Node, def, lo int, what string) (int, bool) {
	if o == nil {
		return def, true
	}
	n, err := strconv.Atoi(o.Value)
	if err != nil || n < lo {
		c.problem(o.Pos, "%s: %s = %s: want a whole number of at least %d; not converted", what, o.Key, o.Value, lo)
		return def, false
	}
	return n, true
}

// seconds reads a positive whole number of seconds (simplevisor's
// interval and timeout are integers).
func seconds(s string) (time.Duration, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 1e9 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// splitCommand splits a simplevisor command as it does: on blanks, then
// each word URL-unquoted (%20 is a space).
func splitCommand(s string) []string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = unquote(w)
	}
	return words
}

// unquote decodes %XX escapes; a % not followed by two hex digits stays, as
// with Python's urllib unquote.
func unquote(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
