package apps

import (
	"slices"
	"strconv"
	"time"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
	"gopkg.in/yaml.v3"
)

// The transfer app: the message transfer agent (stompclt, amqpclt) as a
// canned supervision tree. The loader calls expandTransfer for every node
// with `app: transfer`; the YAML is documented in doc.go and the child
// order explained in order.go.

func init() { supervision.RegisterExpander("transfer", expandTransfer) }

// transferKeys are the keys of a transfer app node.
var transferKeys = []string{"name", "app", "from", "to", "count", "duration", "loop", "remove",
	"window", "prefetch", "reliable", "headers", "hook", "purge", "pidfile", "timeouts",
	"restart", "shutdown", "intensity", "period", "backoff", "cooldown"}

// Supervision defaults of a transfer: a broker outage makes the failed
// part restart in-process with growing pauses instead of ending the
// program (stompclt exits on any broker error and relies on an outer
// supervisor).
const (
	defaultIntensity  = "10"
	defaultPeriod     = "1m"
	defaultBackoffMin = "500ms"
	defaultBackoffMax = "30s"
)

// transfer is one app node being expanded.
type transfer struct {
	l        actors.Located
	n        *yaml.Node
	path     string
	keys     map[string]actors.KeyValue
	from, to *endpoint
	finite   bool // ends by itself: count, duration or loop: false
	before   int  // problems reported before this expansion
	count    int  // the count option, 0 when absent
}

func expandTransfer(l actors.Located, n *yaml.Node, path string) *yaml.Node {
	kvs, ok := l.Mapping(n, path)
	if !ok {
		return nil
	}
	t := &transfer{l: l, n: n, path: path, keys: map[string]actors.KeyValue{}}
	for _, kv := range kvs {
		if !slices.Contains(transferKeys, kv.Key.Value) {
			l.Errorf(kv.Key, t.sub(kv.Key.Value), "%s", actors.UnknownKey(kv.Key.Value, transferKeys))
			continue
		}
		t.keys[kv.Key.Value] = kv
	}
	t.before = l.Count()
	if _, ok := t.keys["name"]; !ok {
		l.Errorf(n, t.sub("name"), "required field missing (every node has a name)")
	}
	t.from = t.endpoint("from")
	t.to = t.endpoint("to")
	fanOut := false
	if t.from != nil {
		fanOut = t.takeAllAddresses(t.from)
	}
	if t.to != nil {
		t.takeAllAddresses(t.to) // refused there
	}
	t.checkOptions()
	if fanOut && t.count > 0 {
		l.Errorf(t.keys["count"].Key, t.sub("count"), "count cannot be shared between the pipelines of %s.%s: use duration or timeouts.inactivity", t.from.path, allAddressesKey)
	}
	if l.Count() > t.before || t.from == nil || t.to == nil {
		return nil
	}
	if fanOut {
		addrs := t.resolveAddresses(t.from)
		if addrs == nil {
			return nil
		}
		return t.buildPerAddress(addrs)
	}
	return t.build()
}

func (t *transfer) sub(k string) string { return actors.JoinPath(t.path, k) }

// endpoint reads `from:` or `to:`.
func (t *transfer) endpoint(side string) *endpoint {
	kv, ok := t.keys[side]
	if !ok {
		t.l.Errorf(t.n, t.sub(side), "required field missing (%s: {queue: {path: ...}} or %s: {broker: {uri: ...}})", side, side)
		return nil
	}
	return parseEndpoint(t.l, kv.Value, t.sub(side), side)
}

// checkOptions applies stompclt's rules to the options and decides
// whether the transfer is finite.
func (t *transfer) checkOptions() {
	queueIn := t.from != nil && t.from.isQueue()
	brokerIn := t.from != nil && !t.from.isQueue()
	for _, k := range []string{"loop", "remove"} {
		if kv, ok := t.keys[k]; ok && brokerIn {
			t.l.Errorf(kv.Key, t.sub(k), "%s needs from: {queue: ...} (a broker source has no elements to %s)", k, k)
		}
	}
	// Options that decide when the whole transfer ends belong to the
	// transfer: written inside from:, they would reach the source stage
	// alone, which would end without the transfer knowing it is finite
	// (and be restarted for ever).
	if t.from != nil {
		for _, k := range []string{"loop", "count"} {
			if v := t.from.value(k); v != nil {
				t.l.Errorf(v, actors.JoinPath(t.from.path, k), "%s is a transfer option: write it beside from: and to:, not inside from", k)
			}
		}
	}
	if kv, ok := t.keys["prefetch"]; ok && queueIn {
		t.l.Errorf(kv.Key, t.sub("prefetch"), "prefetch needs from: {broker: ...} (use window for a queue source)")
	}
	count := t.intOpt("count", 0)
	t.count = count
	t.intOpt("window", 1)
	t.intOpt("prefetch", 1)
	dur := t.durationOpt("duration")
	loop := t.boolOpt("loop", true)
	t.boolOpt("remove", true)
	t.boolOpt("reliable", true)
	t.finite = count > 0 || dur > 0 || (queueIn && !loop) || t.timeout("inactivity") != nil
	if queueIn && t.to != nil && t.to.isQueue() {
		a, _ := t.l.Scalar(t.from.value("path"), actors.JoinPath(t.from.path, "path"))
		b, _ := t.l.Scalar(t.to.value("path"), actors.JoinPath(t.to.path, "path"))
		if a != "" && a == b {
			t.l.Errorf(t.to.value("path"), actors.JoinPath(t.to.path, "path"), "a transfer cannot write to the queue it reads (%s)", a)
		}
	}
	if kv, ok := t.keys["timeouts"]; ok {
		tkvs, _ := t.l.Mapping(kv.Value, t.sub("timeouts"))
		for _, tkv := range tkvs {
			p := actors.JoinPath(t.sub("timeouts"), tkv.Key.Value)
			switch tkv.Key.Value {
			case "connect", "shutdown", "inactivity", "drain":
				if v, ok := t.l.Scalar(tkv.Value, p); ok {
					if _, err := actors.ParseDuration(v); err != nil {
						t.l.Errorf(tkv.Value, p, "%v", err)
					}
				}
			default:
				t.l.Errorf(tkv.Key, p, "%s", actors.UnknownKey(tkv.Key.Value, []string{"connect", "shutdown", "inactivity", "drain"}))
			}
		}
	}
	if kv, ok := t.keys["hook"]; ok {
		if v, ok := t.l.Scalar(kv.Value, t.sub("hook")); ok {
			if _, known := actors.Lookup(v); !known {
				hint := ""
				if best := actors.Closest(v, actors.KindNames()); best != "" {
					hint = ", did you mean " + best + "?"
				}
				t.l.Errorf(kv.Value, t.sub("hook"), "unknown kind %q%s (register it with apps.RegisterHook)", v, hint)
			}
		}
	}
	if kv, ok := t.keys["purge"]; ok && kv.Value.Kind == yaml.ScalarNode && kv.Value.Value != "false" {
		t.l.Errorf(kv.Value, t.sub("purge"), "want {interval, maxlock, maxtemp} or false, got %s", actors.Describe(kv.Value))
	}
}

// intOpt reads an integer option of at least least; absent gives 0.
func (t *transfer) intOpt(k string, least int) int {
	kv, ok := t.keys[k]
	if !ok {
		return 0
	}
	v, ok := t.l.Scalar(kv.Value, t.sub(k))
	if !ok {
		return 0
	}
	i, err := strconv.Atoi(v)
	switch {
	case err != nil:
		t.l.Errorf(kv.Value, t.sub(k), "want an integer, got %q", v)
	case i < least:
		t.l.Errorf(kv.Value, t.sub(k), "must be at least %d, got %d", least, i)
	}
	return i
}

func (t *transfer) durationOpt(k string) time.Duration {
	kv, ok := t.keys[k]
	if !ok {
		return 0
	}
	v, ok := t.l.Scalar(kv.Value, t.sub(k))
	if !ok {
		return 0
	}
	d, err := actors.ParseDuration(v)
	if err != nil {
		t.l.Errorf(kv.Value, t.sub(k), "%v", err)
	}
	return d
}

func (t *transfer) boolOpt(k string, def bool) bool {
	kv, ok := t.keys[k]
	if !ok {
		return def
	}
	v, ok := t.l.Scalar(kv.Value, t.sub(k))
	if !ok {
		return def
	}
	switch v {
	case "true":
		return true
	case "false":
		return false
	}
	t.l.Errorf(kv.Value, t.sub(k), "want true or false, got %q", v)
	return def
}

// opt returns an option's value node, or nil.
func (t *transfer) opt(k string) *yaml.Node {
	if kv, ok := t.keys[k]; ok {
		return kv.Value
	}
	return nil
}

// timeout returns a timeouts: entry, or nil.
func (t *transfer) timeout(k string) *yaml.Node {
	tn := t.opt("timeouts")
	if tn == nil {
		return nil
	}
	for i := 0; i+1 < len(tn.Content); i += 2 {
		if tn.Content[i].Value == k {
			return tn.Content[i+1]
		}
	}
	return nil
}
