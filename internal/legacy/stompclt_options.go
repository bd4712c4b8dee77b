package legacy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bricksmq/bricks/internal/confgen"
)

// stompclt's options (mta.md §2), by their hyphenated name, and how each is
// read. The same table serves the configuration file (after
// confgen.Unfold) and the command line of `bricks stompclt`.

type optType int

const (
	optString  optType = iota // one string
	optInt                    // integer >= 0
	optFloat                  // seconds >= 0
	optBool                   // boolean, --no-X on the command line
	optHash                   // K=V K=V string or a block
	optHashes                 // repeatable hash (subscribe, unsubscribe)
	optAuths                  // repeatable Authen::Credential string or block
	optCounter                // --debug, repeatable
	optAction                 // --help, --list, --manual, --version, --quit, --status
)

var stompcltOpts = map[string]optType{
	"config": optString, "config-general": optString,
	"callback-code": optString, "callback-path": optString, "callback-data": optHash,
	"count": optInt, "daemon": optBool, "debug": optCounter, "duration": optFloat,
	"heart-beat": optBool, "lazy": optBool, "loop": optBool, "remove": optBool,
	"reliable": optBool, "window": optInt, "prefetch": optInt,
	"subscribe": optHashes, "unsubscribe": optHashes,
	"pidfile": optString, "quit": optAction, "status": optAction, "statistics": optBool,
	"timeout-broker": optFloat, "timeout-client": optFloat, "timeout-connect": optFloat,
	"timeout-disconnect": optFloat, "timeout-flush": optFloat, "timeout-inactivity": optFloat,
	"timeout-linger": optFloat, "timeout-server": optFloat, "timeout-status": optFloat,
	"help": optAction, "manual": optAction, "list": optAction, "version": optAction,
}

func init() {
	for _, side := range []string{"incoming", "outgoing"} {
		stompcltOpts[side+"-queue"] = optHash
		stompcltOpts[side+"-broker-uri"] = optString
		stompcltOpts[side+"-broker-auth"] = optAuths
		stompcltOpts[side+"-broker-connect"] = optHash
		stompcltOpts[side+"-broker-sockopts"] = optHash
		stompcltOpts[side+"-broker-stomp-debug"] = optString
		stompcltOpts[side+"-broker-type"] = optString
	}
}

// StompcltOptionNames lists stompclt's options (its --list), sorted.
func StompcltOptionNames() []string {
	names := make([]string, 0, len(stompcltOpts))
	for k := range stompcltOpts {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// optAliases are the other names of options (Getopt::Long aliases).
var optAliases = map[string]string{
	"conf": "config", "cfg": "config", "c": "count", "d": "debug", "h": "help", "?": "help",
	"m": "manual", "l": "list", "s": "statistics",
}

// options are the stompclt options met, by hyphenated name, each with
// every node that gave it (file order; the command line replaces).
type options map[string][]*confgen.Node

// last returns the option's last value node, or nil.
func (o options) last(name string) *confgen.Node {
	if v := o[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return nil
}

func (o options) has(name string) bool { return len(o[name]) > 0 }

// hasPrefix reports whether an option starting with prefix was given.
func (o options) hasPrefix(prefix string) bool {
	for k, v := range o {
		if strings.HasPrefix(k, prefix) && len(v) > 0 {
			return true
		}
	}
	return false
}

// collect walks an unfolded stompclt tree, recording every option under
// its hyphenated name and reporting what is not an option.
func (c *scConv) collect(n *confgen.Node, prefix string, into options) {
	for _, ch := range n.Children {
		name := prefix + ch.Key
		typ, known := stompcltOpts[name]
		switch {
		case known && typ == optAction && (name == "quit" || name == "status"):
			// mta.md §6: ignored in a file.
		case known && ch.Block && typ != optHash && typ != optHashes && typ != optAuths:
			c.problem(ch.Pos, "<%s> is a block, but option %s takes a value; ignored", ch.Key, name)
		case known:
			into[name] = append(into[name], ch)
		case ch.Block && hasOptionPrefix(name+"-"):
			c.collect(ch, name+"-", into)
		default:
			c.problem(ch.Pos, "unknown stompclt option %q; ignored", name)
		}
	}
}

func hasOptionPrefix(p string) bool {
	for k := range stompcltOpts {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// UsageError is a command line stompclt refuses with its usage (exit 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// parseArgs reads stompclt's command line into options; positions are
// "command line:N", N the argument's index.
func parseArgs(args []string) (options, error) {
	o := options{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		pos := confgen.Pos{File: "command line", Line: i + 1}
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			return nil, &UsageError{fmt.Sprintf("unexpected argument %q", a)}
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if alias, ok := optAliases[name]; ok {
			name = alias
		}
		typ, known := stompcltOpts[name]
		if !known {
			// Getopt::Long takes any unambiguous abbreviation.
			if full := abbreviation(name); full != "" {
				name, typ, known = full, stompcltOpts[full], true
			}
		}
		negated := false
		if !known {
			for _, p := range []string{"no-", "no"} {
				if base, ok := strings.CutPrefix(name, p); ok && !known {
					if bt, isOpt := stompcltOpts[base]; isOpt && bt == optBool {
						name, typ, known, negated = base, optBool, true, true
					}
				}
			}
		}
		if !known {
			return nil, &UsageError{fmt.Sprintf("unknown option: %s", strings.TrimLeft(a, "-"))}
		}
		switch typ {
		case optBool, optCounter, optAction:
			if hasValue {
				return nil, &UsageError{fmt.Sprintf("option %s does not take an argument", name)}
			}
			value = map[bool]string{true: "0", false: "1"}[negated]
		default:
			if !hasValue {
				if i+1 >= len(args) {
					return nil, &UsageError{fmt.Sprintf("option %s requires an argument", name)}
				}
				i++
				value = args[i]
			}
		}
		n := &confgen.Node{Key: name, Value: value, Pos: pos}
		switch typ {
		case optHashes, optAuths, optCounter:
			o[name] = append(o[name], n)
		default:
			o[name] = []*confgen.Node{n}
		}
	}
	return o, nil
}

// abbreviation returns the only option name starting with prefix, or "".
func abbreviation(prefix string) string {
	found := ""
	for k := range stompcltOpts {
		if strings.HasPrefix(k, prefix) {
			if found != "" {
				return ""
			}
			found = k
		}
	}
	return found
}

// merge puts the command line on top of the file: an option given on the
// command line replaces the file's (mta.md §6).
func (o options) merge(cli options) {
	for k, v := range cli {
		if k == "debug" {
			o[k] = append(o[k], v...)
			continue
		}
		o[k] = v
	}
}

// single returns the value of a single-valued option: the last one given
// (reportDuplicates tells about the others).
func (c *scConv) single(o options, name string) *confgen.Node { return o.last(name) }

// reportDuplicates reports single-valued options given more than once in
// the file: stompclt keeps one of them depending on Perl's hash order.
func (c *scConv) reportDuplicates(o options) {
	for name, v := range o {
		switch stompcltOpts[name] {
		case optHashes, optAuths, optCounter:
			continue
		}
		if len(v) > 1 {
			c.problem(v[len(v)-1].Pos, "option %s given %d times (first at %s): stompclt keeps one depending on Perl's hash order; using this one", name, len(v), v[0].Pos)
		}
	}
}

// boolOpt reads a boolean option (false when absent).
func (c *scConv) boolOpt(o options, name string) (bool, error) {
	n := c.single(o, name)
	if n == nil {
		return false, nil
	}
	if n.NoValue {
		return true, nil
	}
	b, err := confgen.ParseBool(n.Value)
	if err != nil {
		return false, fmt.Errorf("%s: option %s: %v", n.Pos, name, err)
	}
	return b, nil
}

// numOpt reads an integer or float option; ok is false when absent.
func (c *scConv) numOpt(o options, name string) (v float64, ok bool, err error) {
	n := c.single(o, name)
	if n == nil {
		return 0, false, nil
	}
	if stompcltOpts[name] == optInt {
		i, err := strconv.Atoi(strings.TrimSpace(n.Value))
		if err != nil {
			return 0, false, fmt.Errorf("%s: option %s: %q is not an integer", n.Pos, name, n.Value)
		}
		v = float64(i)
	} else {
		v, err = strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		if err != nil {
			return 0, false, fmt.Errorf("%s: option %s: %q is not a number", n.Pos, name, n.Value)
		}
	}
	if v < 0 {
		return 0, false, fmt.Errorf("%s: option %s is not positive: %s", n.Pos, name, strings.TrimSpace(n.Value))
	}
	return v, true, nil
}

// kv is one key=value of a hash option, with its position.
type kv struct {
	Key, Value string
	Pos        confgen.Pos
}

// hash reads a hash option: "K=V K=V" or a block of options.
func hash(n *confgen.Node) ([]kv, error) {
	var out []kv
	if n.Block {
		for _, ch := range n.Children {
			if ch.Block {
				return nil, fmt.Errorf("%s: %s inside <%s>: want key = value", ch.Pos, ch, n.Key)
			}
			out = append(out, kv{ch.Key, ch.Value, ch.Pos})
		}
		return out, nil
	}
	for _, w := range strings.Fields(n.Value) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: option %s: %q is not key=value", n.Pos, n.Key, w)
		}
		out = append(out, kv{k, v, n.Pos})
	}
	return out, nil
}

// validate applies stompclt's start-up checks (mta.md §2); the first
// failure is the error stompclt would die with.
func (c *scConv) validate(o options) error {
	in, out := o.hasPrefix("incoming-broker-"), o.hasPrefix("outgoing-broker-")
	type rule struct {
		bad bool
		msg string
	}
	rules := []rule{
		{!in && !o.has("incoming-queue"), "option incoming-broker or incoming-queue is required"},
		{!out && !o.has("outgoing-queue"), "option outgoing-broker or outgoing-queue is required"},
		{in && o.has("incoming-queue"), "options incoming-broker and incoming-queue are mutually exclusive"},
		{out && o.has("outgoing-queue"), "options outgoing-broker and outgoing-queue are mutually exclusive"},
		{in && !o.has("incoming-broker-uri"), "option incoming-broker-uri is required"},
		{out && !o.has("outgoing-broker-uri"), "option outgoing-broker-uri is required"},
		{o.has("callback-code") && o.has("callback-path"), "options callback-code and callback-path are mutually exclusive"},
		{o.has("callback-data") && !o.has("callback-code") && !o.has("callback-path"), "option callback-data requires callback-code or callback-path"},
		{o.has("quit") && o.has("status"), "options quit and status are mutually exclusive"},
		{(o.has("quit") || o.has("status")) && !o.has("pidfile"), "option pidfile is required with quit or status"},
	}
	for _, k := range []string{"loop", "remove"} {
		rules = append(rules, rule{o.has(k) && !o.has("incoming-queue"), "option " + k + " requires incoming-queue"})
	}
	for _, k := range []string{"prefetch", "subscribe", "unsubscribe"} {
		rules = append(rules, rule{o.has(k) && !in, "option " + k + " requires incoming-broker"})
	}
	rules = append(rules, rule{in && !o.has("subscribe"), "option subscribe is required with incoming-broker"})
	for _, r := range rules {
		if r.bad {
			return fmt.Errorf("%s", r.msg)
		}
	}
	daemon, err := c.boolOpt(o, "daemon")
	if err != nil {
		return err
	}
	stats, err := c.boolOpt(o, "statistics")
	if err != nil {
		return err
	}
	if daemon && stats {
		return fmt.Errorf("options daemon and statistics are mutually exclusive")
	}
	hb, err := c.boolOpt(o, "heart-beat")
	if err != nil {
		return err
	}
	if hb && !in && !out {
		return fmt.Errorf("option heart-beat requires incoming-broker or outgoing-broker")
	}
	names := make([]string, 0, len(o))
	for k := range o {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch stompcltOpts[k] {
		case optInt, optFloat:
			if _, _, err := c.numOpt(o, k); err != nil {
				return err
			}
		case optBool:
			if _, err := c.boolOpt(o, k); err != nil {
				return err
			}
		}
	}
	return nil
}
