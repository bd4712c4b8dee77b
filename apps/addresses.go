package apps

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// Consumer scaling: `from: {broker: {uri: ..., all-addresses: true}}`.
//
// A common way to scale consumers (CERN's "independent brokers behind a
// load-balanced DNS alias") gives several brokers one host name; a client
// connecting to the name reaches one of them, so messages on the others
// wait. With all-addresses, the transfer resolves the source broker's host
// name and drains every address: the expansion becomes a one_for_one
// supervisor with one rest_for_one pipeline per address (named by the
// address, with _ for the colons of IPv6), each with its own receiver connection, statistics and drain,
// all writing to the same destination. One pipeline per address, rather
// than several receivers feeding one pipeline, keeps each broker's failures
// and restarts to itself (a dead broker restarts only its own pipeline) and
// keeps the brokers' acknowledgement IDs apart. The pidfile and the
// purgers are shared, outside the per-address pipelines.
//
// The name is resolved when the tree is loaded (bricks run, check, tree):
// a change of the alias is followed at the next start. TLS keeps checking
// the certificate against the host name (tls.server_name defaults to it),
// since the connection goes to an address.

// allAddressesKey is the endpoint key that turns the fan-out on.
const allAddressesKey = "all-addresses"

// lookupHost resolves a broker host name to its addresses; tests replace
// it to have a name with several loopback addresses.
var lookupHost = func(host string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupHost(ctx, host)
}

// addressURI is one resolved address of the source broker.
type addressURI struct {
	addr string // the address, as resolved: the pipeline's name
	uri  string // the endpoint URI with the host replaced by addr
	host string // the host name it replaced, for TLS
}

// takeAllAddresses removes all-addresses from an endpoint's entries (the
// stage kinds do not know it) and reports whether it was true; it is
// refused on a destination and on a queue.
func (t *transfer) takeAllAddresses(e *endpoint) bool {
	i := slices.IndexFunc(e.kvs, func(kv actors.KeyValue) bool { return kv.Key.Value == allAddressesKey })
	if i < 0 {
		return false
	}
	kv := e.kvs[i]
	path := actors.JoinPath(e.path, allAddressesKey)
	on, err := strconv.ParseBool(kv.Value.Value)
	switch {
	case kv.Value.Kind != yaml.ScalarNode || err != nil:
		t.l.Errorf(kv.Value, path, "want true or false, got %q", kv.Value.Value)
		return false
	case on && (e.side != "from" || e.isQueue()):
		t.l.Errorf(kv.Key, path, "only a broker source (from: {broker: ...}) drains every address of its host")
		return false
	}
	e.kvs = slices.Delete(slices.Clone(e.kvs), i, i+1)
	m := newMap(e.at)
	for _, kv := range e.kvs {
		m.n.Content = append(m.n.Content, kv.Key, kv.Value)
	}
	e.at = m.n
	return on
}

// resolveAddresses resolves the host of the source URI: one addressURI
// per address, or nil after reporting the problem at the URI.
func (t *transfer) resolveAddresses(e *endpoint) []addressURI {
	node := e.value("uri")
	path := actors.JoinPath(e.path, "uri")
	if strings.HasPrefix(strings.ToLower(node.Value), "failover:") {
		t.l.Errorf(node, path, "%s needs one broker URI, not a failover list (it finds the brokers by resolving the host)", allAddressesKey)
		return nil
	}
	u, err := url.Parse(node.Value)
	if err != nil || u.Hostname() == "" {
		t.l.Errorf(node, path, "%s: cannot read a host name in the URI", allAddressesKey)
		return nil
	}
	host, port := u.Hostname(), u.Port()
	addrs, err := lookupHost(host)
	if err != nil || len(addrs) == 0 {
		t.l.Errorf(node, path, "%s: cannot resolve %s: %v", allAddressesKey, host, err)
		return nil
	}
	out := make([]addressURI, 0, len(addrs))
	for _, a := range addrs {
		v := *u
		v.Host = a
		if port != "" || strings.Contains(a, ":") {
			v.Host = net.JoinHostPort(a, port)
			if port == "" {
				v.Host = "[" + a + "]"
			}
		}
		out = append(out, addressURI{addr: a, uri: v.String(), host: host})
	}
	return out
}

// forAddress returns a copy of the endpoint that connects to one address.
func (e *endpoint) forAddress(a addressURI) *endpoint {
	c := *e
	c.kvs = nil
	m := newMap(e.at)
	hasTLS := false
	for _, kv := range e.kvs {
		v := kv.Value
		switch kv.Key.Value {
		case "uri":
			v = scalar(a.uri, kv.Value)
		case "tls":
			hasTLS = true
			v = withServerName(kv.Value, a.host)
		}
		m.set(kv.Key.Value, v)
		c.kvs = append(c.kvs, actors.KeyValue{Key: m.n.Content[len(m.n.Content)-2], Value: v})
	}
	if !hasTLS && isTLSScheme(a.uri) {
		v := newMap(e.at).str("server_name", a.host, e.at).n
		m.set("tls", v)
		c.kvs = append(c.kvs, actors.KeyValue{Key: m.n.Content[len(m.n.Content)-2], Value: v})
	}
	c.at = m.n
	return &c
}

// withServerName returns a tls: mapping with server_name set to host
// unless the user set one.
func withServerName(tls *yaml.Node, host string) *yaml.Node {
	if tls.Kind != yaml.MappingNode {
		return tls // reported by the kind's spec check
	}
	m := newMap(tls)
	for i := 0; i+1 < len(tls.Content); i += 2 {
		m.set(tls.Content[i].Value, tls.Content[i+1])
	}
	if !m.has("server_name") {
		m.str("server_name", host, tls)
	}
	return m.n
}

// isTLSScheme reports whether a broker URI connects with TLS.
func isTLSScheme(uri string) bool {
	scheme, _, _ := strings.Cut(strings.ToLower(uri), "://")
	return scheme == "amqps" || strings.HasSuffix(scheme, "+ssl") || strings.HasSuffix(scheme, "+tls") || scheme == "ssl"
}

// sharedChildren are the children of a transfer that stay outside the
// per-address pipelines: one pidfile, one purger per queue.
var sharedChildren = []string{"pidfile", "purge-from", "purge-to"}

// buildPerAddress expands a transfer whose source drains every address:
// a one_for_one supervisor over one pipeline per address.
func (t *transfer) buildPerAddress(addrs []addressURI) *yaml.Node {
	src := t.from
	defer func() { t.from = src }()
	var top *yaml.Node
	var shared, pipelines []*yaml.Node
	for i, a := range addrs {
		t.from = src.forAddress(a)
		sup := t.build()
		if sup == nil {
			return nil
		}
		kids := mapValue(sup, "children")
		var own []*yaml.Node
		for _, k := range kids.Content {
			name := mapValue(k, "name").Value
			switch {
			case !slices.Contains(sharedChildren, name):
				own = append(own, k)
			case i == 0:
				shared = append(shared, k)
			}
			if name == "stats" { // statistics name the address
				with := mapValue(k, "with")
				setValue(with, "transfer", fmt.Sprintf("%s@%s", mapValue(with, "transfer").Value, a.addr))
			}
		}
		kids.Content = own
		if i == 0 {
			top = cloneMapping(sup)
		}
		setValue(sup, "name", nodeNameOf(a.addr))
		pipelines = append(pipelines, sup)
	}
	// The wrapper keeps the transfer's name, restart and limits; it only
	// supervises, so its pipelines restart one at a time.
	setValue(top, "strategy", "one_for_one")
	if mapValue(top, "auto_shutdown") != nil {
		setValue(top, "auto_shutdown", "all_significant") // finite: done when every address is
		for _, p := range pipelines {
			setValue(p, "restart", "transient")
			if mapValue(p, "significant") == nil {
				ymap{p}.str("significant", "true", p)
			}
		}
	}
	// pidfile first, purgers last, as in a single pipeline (build.go).
	var first, last []*yaml.Node
	for _, k := range shared {
		if mapValue(k, "name").Value == "pidfile" {
			first = append(first, k)
		} else {
			last = append(last, k)
		}
	}
	mapValue(top, "children").Content = slices.Concat(first, pipelines, last)
	return top
}

// nodeNameOf is the pipeline name of an address: node names take no ':'
// (IPv6) or '%' (zone).
func nodeNameOf(addr string) string {
	return strings.NewReplacer(":", "_", "%", "_").Replace(addr)
}

// mapValue returns the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setValue replaces the scalar value of key in a mapping node with a new
// node at the same place (value nodes may be shared between expansions).
func setValue(m *yaml.Node, key, value string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = scalar(value, m.Content[i+1])
			return
		}
	}
}

// cloneMapping copies a mapping's entries with an empty children list;
// values are shared (setValue replaces rather than changes them).
func cloneMapping(m *yaml.Node) *yaml.Node {
	c := *m
	c.Content = slices.Clone(m.Content)
	for i := 0; i+1 < len(c.Content); i += 2 {
		if c.Content[i].Value == "children" {
			c.Content[i+1] = list(c.Content[i+1])
		}
	}
	return &c
}
