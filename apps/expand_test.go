package apps

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
)

// TestExpandBad: every bad app file gets exactly one problem, located at
// what the user wrote.
func TestExpandBad(t *testing.T) {
	for _, c := range badApps {
		t.Run(c.name, func(t *testing.T) {
			_, err := supervision.LoadBytes("app.yaml", []byte(c.yaml))
			var errs actors.ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want ConfigErrors", err)
			}
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), c.want) {
				t.Errorf("got\n%v\nwant one problem starting with\n%s", err, c.want)
			}
		})
	}
}

// shape is a node's name and kind (or "sup"), children in order.
func shape(n *supervision.Node) []string {
	var out []string
	for _, c := range n.Children {
		k := c.Kind
		if k == "" {
			k = "sup"
		}
		out = append(out, c.Name+"="+k)
	}
	return out
}

func child(t *testing.T, n *supervision.Node, name string) *supervision.Node {
	t.Helper()
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s has no child %s (has %v)", n.Name, name, shape(n))
	return nil
}

func load(t *testing.T, src string) *supervision.Node {
	t.Helper()
	tr, err := supervision.LoadBytes("app.yaml", []byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return tr.Root
}

func TestExpandQueueToBroker(t *testing.T) {
	n := load(t, `
name: out
app: transfer
from: {queue: {path: /var/q}}
to: {broker: {uri: "stomp+ssl://h:61614", destination: /queue/x}}
window: 7
`)
	want := []string{"sender=stomp.sender", "stats=transfer.stats", "reader=queue.reader", "drain=transfer.drain", "purge-from=queue.purger"}
	if got := shape(n); !slices.Equal(got, want) {
		t.Errorf("children %v, want %v", got, want)
	}
	if n.App != "transfer" || n.Strategy != supervision.RestForOne || n.Restart != supervision.Permanent || n.Significant ||
		n.AutoShutdown != supervision.NeverShutdown || n.Backoff.Max == 0 || n.Pos.Line != 2 {
		t.Errorf("supervisor flags: %+v", n)
	}
	r := child(t, n, "reader").With
	if r.String("to") != "stats" || r.Int("window") != 2*7 || r.String("path") != "/var/q" || !r.Bool("loop") { // read ahead
		t.Errorf("reader with %v", r.Values())
	}
	s := child(t, n, "sender").With
	if s.String("uri") != "stomp+ssl://h:61614" || s.String("destination") != "/queue/x" || s.Int("window") != 7 {
		t.Errorf("sender with %v", s.Values())
	}
	if got := child(t, n, "stats").With.String("to"); got != "sender" {
		t.Errorf("stats to %q", got)
	}
	if child(t, n, "purge-from").With.String("path") != "/var/q" {
		t.Error("purger not on the source queue")
	}
}

func TestExpandBrokerToQueueFinite(t *testing.T) {
	n := load(t, `
name: in
app: transfer
from: {broker: {uri: "amqps://h:5671", destination: orders}}
to: {queue: {path: /var/in, type: dqn}}
count: 5
prefetch: 3
`)
	want := []string{"writer=queue.writer", "stats=transfer.stats", "receiver=amqp.receiver", "drain=transfer.drain", "purge-to=queue.purger"}
	if got := shape(n); !slices.Equal(got, want) {
		t.Errorf("children %v, want %v", got, want)
	}
	if n.Restart != supervision.Transient || !n.Significant || n.AutoShutdown != supervision.AnySignificant {
		t.Errorf("a counted transfer must end by itself: restart %s significant %v auto_shutdown %s", n.Restart, n.Significant, n.AutoShutdown)
	}
	rc := child(t, n, "receiver")
	if rc.Restart != supervision.Transient || !rc.Significant || rc.With.Int("count") != 5 || rc.With.Int("prefetch") != 3 {
		t.Errorf("receiver: restart %s significant %v with %v", rc.Restart, rc.Significant, rc.With.Values())
	}
	if p := child(t, n, "purge-to").With; p.String("type") != "dqn" || p.String("path") != "/var/in" {
		t.Errorf("purger with %v", p.Values())
	}
}

func TestExpandBrokerToBroker(t *testing.T) {
	n := load(t, `
name: shovel
app: transfer
from: {broker: {uri: "failover:(stomp://a:61613,stomp://b:61613)?randomize=false", destination: /queue/in}}
to: {broker: {uri: "amqp://c:5672", destination: out}}
reliable: false
headers: {delete: [message-id, timestamp, expires]}
`)
	want := []string{"sender=amqp.sender", "stats=transfer.stats", "headers=headers.rewrite", "receiver=stomp.receiver", "drain=transfer.drain"}
	if got := shape(n); !slices.Equal(got, want) {
		t.Errorf("children %v, want %v", got, want)
	}
	if got := child(t, n, "receiver").With; got.String("to") != "headers" || got.String("ack") != "auto" {
		t.Errorf("receiver with %v", got.Values())
	}
	if got := child(t, n, "headers").With.Strings("delete"); len(got) != 3 {
		t.Errorf("headers delete %v", got)
	}
}

func TestExpandQueueToQueueEverything(t *testing.T) {
	n := load(t, `
name: mta
children:
  - name: a
    app: transfer
    from: {queue: {path: /q/a}}
    to: {queue: {path: /q/b}}
    pidfile: /run/a.pid
    hook: test.upper
    headers: {set: {x: "1"}}
    purge: {interval: 1m, maxlock: 2m}
    timeouts: {shutdown: 30s, drain: 29s}
    loop: false
    intensity: 3
  - name: b
    app: transfer
    from: {queue: {path: /q/c}}
    to: {queue: {path: /q/d}}
    purge: false
`)
	if n.AutoShutdown != supervision.AllSignificant {
		t.Errorf("a file of finite apps must end when they are done: auto_shutdown %s", n.AutoShutdown)
	}
	a := child(t, n, "a")
	want := []string{"pidfile=process.pidfile", "writer=queue.writer", "stats=transfer.stats", "hook=test.upper",
		"headers=headers.rewrite", "reader=queue.reader", "drain=transfer.drain", "purge-from=queue.purger", "purge-to=queue.purger"}
	if got := shape(a); !slices.Equal(got, want) {
		t.Errorf("children %v, want %v", got, want)
	}
	if a.Intensity != 3 || !a.Significant {
		t.Errorf("a: intensity %d significant %v", a.Intensity, a.Significant)
	}
	for _, c := range a.Children {
		if c.Shutdown.Timeout.String() != "30s" {
			t.Errorf("%s shutdown %s, want timeouts.shutdown 30s (drain: timeouts.drain + 1s)", c.Name, c.Shutdown)
		}
	}
	if got := child(t, a, "reader").With.String("to"); got != "headers" {
		t.Errorf("reader to %q, want headers (headers, then hook, then stats)", got)
	}
	if got := child(t, a, "headers").With.String("to"); got != "hook" {
		t.Errorf("headers to %q", got)
	}
	if p := child(t, a, "purge-to").With; p.Duration("maxlock").String() != "2m0s" || p.Duration("interval").String() != "1m0s" {
		t.Errorf("purger with %v", p.Values())
	}
	b := child(t, n, "b")
	if got := shape(b); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "purge") }) {
		t.Errorf("purge: false still has purgers: %v", got)
	}
	if b.Significant {
		t.Error("an endless transfer must not be significant")
	}
}

func TestProtocolOf(t *testing.T) {
	for uri, want := range map[string]string{
		"stomp://h:1": protoSTOMP, "stomp+ssl://h:1": protoSTOMP, "STOMP+TLS://h:1": protoSTOMP,
		"failover:(stomp://a:1,stomp://b:2)?randomize=false": protoSTOMP, "failover:stomp+ssl://a:1,stomp://b:1": protoSTOMP,
		"amqp://h:5672": protoAMQP, "amqps://h:5671": protoAMQP, "failover:(amqps://a:1)": protoAMQP,
		"http://h": "", "h:61613": "", "failover:()": "",
	} {
		got, ok := protocolOf(uri)
		if got != want || ok != (want != "") {
			t.Errorf("protocolOf(%q) = %q, %v; want %q", uri, got, ok, want)
		}
	}
}

// TestExpandCountPrefetch: as stompclt, a counted transfer from a broker
// prefetches at most min(count, 100) unless told otherwise.
func TestExpandCountPrefetch(t *testing.T) {
	for src, want := range map[string]int{"count: 7": 7, "count: 500": 100, "count: 7\nprefetch: 50": 50} {
		n := load(t, "name: in\napp: transfer\nfrom: {broker: {uri: \"stomp://h:1\", destination: /queue/a}}\nto: {queue: {path: /q}}\n"+src+"\n")
		if got := child(t, n, "receiver").With.Int("prefetch"); got != want {
			t.Errorf("%q: prefetch %d, want %d", src, got, want)
		}
	}
}

// TestExpandReadAhead: a queue source feeding a broker holds readAhead
// times the sink's window in flight, unless its own window is given; a
// queue sink needs no read-ahead.
func TestExpandReadAhead(t *testing.T) {
	for _, c := range []struct {
		name, from, to, extra string
		reader, sink          int
	}{
		{"default", "{path: /q}", `{broker: {uri: "stomp://h:1", destination: /queue/x}}`, "", 200, 100},
		{"transfer window", "{path: /q}", `{broker: {uri: "amqp://h:1", destination: x}}`, "window: 30", 60, 30},
		{"sink window", "{path: /q}", `{broker: {uri: "stomp://h:1", destination: /queue/x, window: 40}}`, "", 80, 40},
		{"source window", "{path: /q, window: 5}", `{broker: {uri: "stomp://h:1", destination: /queue/x}}`, "", 5, 100},
		{"queue sink", "{path: /q}", "{queue: {path: /o}}", "window: 9", 9, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := load(t, fmt.Sprintf("name: t\napp: transfer\nfrom: {queue: %s}\nto: %s\n%s\n", c.from, c.to, c.extra))
			if got := child(t, n, "reader").With.Int("window"); got != c.reader {
				t.Errorf("reader window %d, want %d", got, c.reader)
			}
			if c.sink > 0 {
				if got := child(t, n, "sender").With.Int("window"); got != c.sink {
					t.Errorf("sender window %d, want %d", got, c.sink)
				}
			}
		})
	}
}
