package legacy

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/internal/confgen"
	"github.com/bricksmq/bricks/supervision"
)

func init() {
	register(Format{
		Name:    "stompclt",
		Summary: "Convert a stompclt configuration (Config::General) into a transfer tree",
		Long: "Reads a stompclt configuration file (every spelling of mta.md: hyphenated keys,\n" +
			"nested blocks, an optional <stompclt> wrapper, here-docs, includes) and prints the\n" +
			"equivalent `app: transfer` tree. Header assignments and deletions of callback-code\n" +
			"become header rules; any other Perl code is reported with its line.",
		Convert: ConvertStompclt,
	})
}

// ConvertStompclt converts the stompclt configuration file at path into
// an `app: transfer` tree (package apps), or, with several <subscribe>, a
// one_for_one supervisor of one transfer per subscription (stomp.receiver
// takes one destination). The file is read with stompclt's Config::General
// settings, an optional <stompclt> wrapper dropped and names unfolded on
// "-", so every spelling of mta.md §6 converts alike:
//
//	stompclt                            transfer
//	incoming-queue / outgoing-queue     from / to: queue: {path, type} (DQS, DQN; NULL outgoing)
//	*-broker-uri                        from / to: broker: uri (outgoing udp:// → udp.sender)
//	*-broker-auth  plain name= pass=    broker auth: {scheme: plain, name, pass}; none: no auth;
//	               x509 cert= key=      auth: {scheme: x509}, tls: {cert, key}; more than one: reported
//	*-broker-connect host=              broker virtual_host (version and other headers reported)
//	*-broker-sockopts SSL_*             broker tls: ca, cert, key; SSL_verify_mode 0: tls.insecure
//	subscribe destination= selector=    broker destination, selector; other headers: headers
//	count, window, prefetch, duration   count, window, prefetch, duration
//	loop, remove (default off)          loop, remove, always written (the transfer's defaults are on)
//	reliable = no                       broker source: reliable: false; queue source: reported
//	heart-beat + timeout-server         broker heartbeat
//	timeout-connect / -inactivity       timeouts: connect / inactivity
//	timeout-linger                      timeouts: drain
//	pidfile                             pidfile
//	callback-code, callback-path        headers: rules (see below)
//
// In callback code, `$hdr{name} = "value";` (or 'value', or a number),
// `delete $hdr{name};` and `$hdr{a} = $hdr{b};` become set, delete and
// copy rules, with Perl's sequential meaning (the rules record each
// header's final state); any other statement is reported at its file and
// line, and is not run by the tree. Program options (daemon, statistics,
// debug, timeout-status) and what has no equivalent (lazy, unsubscribe,
// broker type, the other timeouts, callback-data) are reported.
//
// Two differences remain by design: with reliable off, stompclt acks or
// removes before sending (fire and forget) while the tree always waits for
// the destination's confirmation; and the transfer counts (count,
// statistics) messages the destination confirmed, stompclt those it took.
func ConvertStompclt(path string) (*Result, error) {
	s, err := readStompclt(path, nil, false)
	if err != nil {
		return nil, err
	}
	return &Result{Tree: s.Tree, Problems: s.Problems, Converted: workers(s.Loaded.Root)}, nil
}

// Stompclt is a stompclt invocation (configuration file and command line)
// converted for `bricks stompclt`.
type Stompclt struct {
	// Action is what the command line asks for besides running: "help",
	// "list", "manual", "version", "quit" or "status"; "" runs the tree.
	Action string
	Name   string            // the tree's root node
	Tree   []byte            // the converted tree, without the pid file
	Loaded *supervision.Tree // Tree, loaded
	Stats  []string          // node paths of the transfers' stats stages
	// Problems are what could not be carried over; the tree runs without.
	Problems      []Problem
	Pidfile       string        // --pidfile, held by the command
	Statistics    bool          // --statistics
	Daemon        bool          // --daemon (bricks stays in the foreground)
	Debug         int           // --debug count
	StatusTimeout time.Duration // --timeout-status
	QuitWait      time.Duration // --quit: how long to wait for the process to end
}

// FatalError is a configuration stompclt refuses at start-up (exit 255).
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

// ParseStompclt reads stompclt's command line (mta.md §2) and the file
// its --conf names, and converts them. A command line stompclt refuses
// with its usage is a *UsageError; a configuration it refuses at start-up
// a *FatalError.
func ParseStompclt(args []string) (*Stompclt, error) {
	s, err := readStompclt("", args, true)
	var nc *ErrNothingConverted
	if errors.As(err, &nc) {
		msgs := make([]string, len(nc.Problems))
		for i, p := range nc.Problems {
			msgs[i] = p.String()
		}
		return nil, &FatalError{Msg: strings.Join(msgs, "\n")}
	}
	return s, err
}

// scConv is one stompclt conversion in progress.
type scConv struct {
	problems []Problem
	forRun   bool // for bricks stompclt: program options are used, not reported
}

func (c *scConv) problem(pos confgen.Pos, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// readStompclt converts the file (or the one --conf names) with the
// command line on top.
func readStompclt(file string, args []string, forRun bool) (*Stompclt, error) {
	c := &scConv{forRun: forRun}
	cli, err := parseArgs(args)
	if err != nil {
		return nil, err
	}
	for _, a := range []string{"help", "list", "manual", "version"} {
		if cli.has(a) {
			return &Stompclt{Action: a}, nil
		}
	}
	if n := cli.last("config"); n != nil {
		file = n.Value
	}
	o := options{}
	rootPos := confgen.Pos{File: "command line", Line: 0}
	var root *confgen.Node
	if file != "" {
		root, err = confgen.ParseFile(file, confgen.StompcltOptions())
		if err != nil {
			var pe *confgen.Error
			if errors.As(err, &pe) {
				return nil, &ErrNothingConverted{File: file, Problems: []Problem{{Pos: pe.Pos, Msg: pe.Msg}}}
			}
			return nil, &FatalError{Msg: fmt.Sprintf("stompclt %s: %v", file, err)}
		}
		rootPos = root.Pos
		c.collect(confgen.Unfold(unwrap(root), "-"), "", o)
		c.reportDuplicates(o)
	}
	o.merge(cli)
	s := &Stompclt{Name: "stompclt"}
	if file != "" {
		s.Name = treeName(strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)))
	}
	if n := o.last("pidfile"); n != nil {
		s.Pidfile = n.Value
	}
	fatal := func(err error) (*Stompclt, error) {
		if forRun {
			return nil, &FatalError{Msg: err.Error()}
		}
		c.problem(rootPos, "%v", err)
		sortProblems(orRoot(root, rootPos), c.problems)
		return nil, &ErrNothingConverted{File: file, Problems: c.problems}
	}
	if err := c.programOptions(o, s); err != nil {
		return fatal(err)
	}
	if cli.has("quit") || cli.has("status") {
		if cli.has("quit") && cli.has("status") {
			return fatal(errors.New("options quit and status are mutually exclusive"))
		}
		if s.Pidfile == "" {
			return fatal(errors.New("option pidfile is required with quit or status"))
		}
		s.Action = map[bool]string{true: "quit", false: "status"}[cli.has("quit")]
		return s, nil
	}
	if err := c.validate(o); err != nil {
		return fatal(err)
	}
	tree, err := c.build(o, s)
	if err != nil {
		return fatal(err)
	}
	sortProblems(orRoot(root, rootPos), c.problems)
	s.Problems = c.problems
	what := "from " + file
	if file == "" {
		what = "from its command line"
	}
	s.Tree, err = encode(tree, "bricks tree converted by `bricks import stompclt` "+what+".")
	if err != nil {
		return nil, fmt.Errorf("stompclt %s: writing the tree: %w", file, err)
	}
	if s.Loaded, err = loadGenerated(s.Name+" (converted)", s.Tree); err != nil {
		return nil, fmt.Errorf("stompclt %s: the converted tree does not load (a bug of the converter): %w", file, err)
	}
	return s, nil
}

// orRoot gives sortProblems a root when there is no file.
func orRoot(root *confgen.Node, pos confgen.Pos) *confgen.Node {
	if root != nil {
		return root
	}
	return &confgen.Node{Block: true, Pos: pos}
}

// unwrap drops the optional <stompclt> block around the whole file.
func unwrap(root *confgen.Node) *confgen.Node {
	out := *root
	out.Children = nil
	for _, ch := range root.Children {
		if ch.Block && !ch.Named && ch.Key == "stompclt" {
			out.Children = append(out.Children, ch.Children...)
			continue
		}
		out.Children = append(out.Children, ch)
	}
	return &out
}

// seconds converts stompclt's float seconds.
func secondsOf(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// programOptions reads the options of the process rather than the
// transfer: used by `bricks stompclt`, reported by `bricks import`.
func (c *scConv) programOptions(o options, s *Stompclt) error {
	var err error
	if s.Statistics, err = c.boolOpt(o, "statistics"); err != nil {
		return err
	}
	if s.Daemon, err = c.boolOpt(o, "daemon"); err != nil {
		return err
	}
	for _, n := range o["debug"] {
		if n.Pos.File == "command line" || n.Value == "" {
			s.Debug++
			continue
		}
		v, ok, err := c.numOpt(options{"debug": {n}}, "debug")
		if err != nil {
			return err
		}
		if ok {
			s.Debug += int(v)
		}
	}
	st, _, err := c.numOpt(o, "timeout-status")
	if err != nil {
		return err
	}
	s.StatusTimeout = secondsOf(st)
	linger, ok, err := c.numOpt(o, "timeout-linger")
	if err != nil {
		return err
	}
	if !ok || linger == 0 {
		linger = 1
	}
	flush, ok, err := c.numOpt(o, "timeout-flush")
	if err != nil {
		return err
	}
	if !ok {
		flush = 60
	}
	s.QuitWait = secondsOf(linger + flush + 10) // mta.md §2 --quit
	if c.forRun {
		return nil
	}
	notes := map[string]string{
		"statistics":     "bricks logs \"transfer statistics at exit\"; `bricks stompclt --statistics` prints stompclt's text",
		"daemon":         "bricks stays in the foreground; let systemd run it (see `bricks run`)",
		"debug":          "use bricks run --log-level debug",
		"timeout-status": "used by `bricks stompclt --status` only",
		"config-general": "the file is read with stompclt's Config::General settings",
	}
	for k, note := range notes {
		for _, n := range o[k] {
			if on, err := confgen.ParseBool(n.Value); stompcltOpts[k] == optBool && err == nil && !on {
				continue // off: nothing lost
			}
			c.problem(n.Pos, "option %s is a program option, not part of a tree (%s); not converted", k, note)
		}
	}
	return nil
}

// build writes the transfer(s): one per subscription.
func (c *scConv) build(o options, s *Stompclt) (*yaml.Node, error) {
	from, err := c.endpoint(o, "incoming")
	if err != nil {
		return nil, err
	}
	to, err := c.endpoint(o, "outgoing")
	if err != nil {
		return nil, err
	}
	common, err := c.transferOptions(o, from.Kind == yaml.MappingNode && from.Content[0].Value == "queue", s)
	if err != nil {
		return nil, err
	}
	subs := o["subscribe"]
	if len(subs) <= 1 {
		var sub *confgen.Node
		if len(subs) == 1 {
			sub = subs[0]
		}
		t, err := c.transfer(s.Name, from, to, sub, common, true)
		if err != nil {
			return nil, err
		}
		s.Stats = []string{s.Name + "/stats"}
		return t, nil
	}
	// stomp.receiver takes one destination: a transfer per subscription,
	// side by side under one supervisor.
	if n := o.last("count"); n != nil {
		c.problem(n.Pos, "count = %s applies to each of the %d subscriptions (stompclt counts them together)", n.Value, len(subs))
	}
	var kids []*yaml.Node
	for i, sub := range subs {
		name := fmt.Sprintf("subscribe-%d", i+1)
		t, err := c.transfer(name, from, to, sub, common, i == 0)
		if err != nil {
			return nil, err
		}
		kids = append(kids, t)
		s.Stats = append(s.Stats, s.Name+"/"+name+"/stats")
	}
	m := newMapping()
	m.add("name", s.Name)
	m.add("strategy", "one_for_one")
	m.add("children", &yaml.Node{Kind: yaml.SequenceNode, Content: kids})
	return m.n, nil
}

// transfer writes one transfer node; sub is its subscription (broker
// source). The pid file goes to the first one only.
func (c *scConv) transfer(name string, from, to *yaml.Node, sub *confgen.Node, common []*yaml.Node, first bool) (*yaml.Node, error) {
	m := newMapping()
	m.add("name", name)
	m.add("app", "transfer")
	if sub != nil {
		var err error
		if from, err = c.subscription(from, sub); err != nil {
			return nil, err
		}
	}
	m.add("from", from)
	m.add("to", to)
	for i := 0; i+1 < len(common); i += 2 {
		if common[i].Value == "pidfile" && !first {
			continue
		}
		m.n.Content = append(m.n.Content, common[i], common[i+1])
	}
	return m.n, nil
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(b)}
}

// transferOptions converts the options of the transfer itself, as
// key/value nodes.
func (c *scConv) transferOptions(o options, queueIn bool, s *Stompclt) ([]*yaml.Node, error) {
	m := newMapping()
	for _, k := range []string{"count", "window", "prefetch"} {
		v, ok, err := c.numOpt(o, k)
		switch {
		case err != nil:
			return nil, err
		case ok && v > 0:
			m.add(k, int(v))
		case ok && k == "count":
			c.problem(o.last(k).Pos, "count = 0 not converted: the transfer's count 0 means no limit")
		}
	}
	if v, ok, err := c.numOpt(o, "duration"); err != nil {
		return nil, err
	} else if ok && v > 0 {
		m.add("duration", secondsOf(v))
	}
	if queueIn {
		// stompclt's defaults are the opposite of the transfer's.
		loop, err := c.boolOpt(o, "loop")
		if err != nil {
			return nil, err
		}
		remove, err := c.boolOpt(o, "remove")
		if err != nil {
			return nil, err
		}
		m.add("loop", boolNode(loop))
		m.add("remove", boolNode(remove))
	}
	if n := o.last("reliable"); n != nil {
		b, err := c.boolOpt(o, "reliable")
		if err != nil {
			return nil, err
		}
		switch {
		case !b && !queueIn:
			m.add("reliable", boolNode(false))
			c.problem(n.Pos, "reliable = %s: the broker source acknowledges automatically (ack: auto), messages can be lost", n.Value)
		case !b:
			c.problem(n.Pos, "reliable = %s: the tree still removes a queue element only once the destination confirmed it (at-least-once)", n.Value)
		}
	}
	rules, err := c.callback(o)
	if err != nil {
		return nil, err
	}
	if rules != nil {
		m.add("headers", rules)
	}
	for _, n := range o["callback-data"] {
		c.problem(n.Pos, "callback-data is only passed to Perl code; not converted")
	}
	timeouts := newMapping()
	for _, t := range []struct{ opt, key string }{{"timeout-connect", "connect"}, {"timeout-inactivity", "inactivity"}, {"timeout-linger", "drain"}} {
		if v, ok, err := c.numOpt(o, t.opt); err != nil {
			return nil, err
		} else if ok && v > 0 {
			timeouts.add(t.key, secondsOf(v))
		}
	}
	if len(timeouts.n.Content) > 0 {
		m.add("timeouts", timeouts.n)
	}
	if s.Pidfile != "" && !c.forRun {
		m.add("pidfile", s.Pidfile)
	}
	notes := map[string]string{
		"lazy":               "the tree opens both ends at start",
		"timeout-broker":     "subscription receipts are bounded by the connect timeout",
		"timeout-client":     "one heart-beat period (timeout-server) is used both ways",
		"timeout-disconnect": "every stop step is bounded by the stage's shutdown",
		"timeout-flush":      "every stop step is bounded by the stage's shutdown",
		"unsubscribe":        "the tree never UNSUBSCRIBEs explicitly (a durable subscription stays)",
	}
	for k, note := range notes {
		for _, n := range o[k] {
			c.problem(n.Pos, "option %s not converted: %s", k, note)
		}
	}
	if n := o.last("timeout-server"); n != nil {
		if hb, _ := c.boolOpt(o, "heart-beat"); !hb {
			c.problem(n.Pos, "timeout-server without heart-beat: ignored (the tree's broker stages use heart-beats of 10s by default)")
		}
	}
	return m.n.Content, nil
}
