package legacy

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/internal/confgen"
)

// endpoint converts the incoming or outgoing side: `queue: {...}` or
// `broker: {...}` of the transfer's from / to.
func (c *scConv) endpoint(o options, side string) (*yaml.Node, error) {
	e := newMapping()
	if n := o.last(side + "-queue"); n != nil {
		q, err := c.queue(n, side)
		if err != nil {
			return nil, err
		}
		e.add("queue", q)
		return e.n, nil
	}
	b, err := c.broker(o, side)
	if err != nil {
		return nil, err
	}
	e.add("broker", b)
	return e.n, nil
}

// queue converts a queue hash: path and type.
func (c *scConv) queue(n *confgen.Node, side string) (*yaml.Node, error) {
	kvs, err := hash(n)
	if err != nil {
		return nil, err
	}
	m := newMapping()
	var path, typ string
	for _, x := range kvs {
		switch x.Key {
		case "path":
			path = x.Value
		case "type":
			typ = strings.ToLower(x.Value)
			if typ == "null" && side == "incoming" || typ != "dqs" && typ != "dqn" && typ != "null" {
				return nil, fmt.Errorf("%s: option %s-queue: type %s is not supported (want DQS, DQN or, outgoing, NULL)", x.Pos, side, x.Value)
			}
		default:
			c.problem(x.Pos, "option %s-queue: %s = %s not converted (the tree's queue takes path and type)", side, x.Key, x.Value)
		}
	}
	if path == "" {
		return nil, fmt.Errorf("%s: option %s-queue: path is required", n.Pos, side)
	}
	m.add("path", path)
	if typ != "" && typ != "dqs" {
		m.add("type", typ)
	}
	return m.n, nil
}

// broker converts the broker options of one side.
func (c *scConv) broker(o options, side string) (*yaml.Node, error) {
	p := side + "-broker-"
	uri := o.last(p + "uri")
	if strings.HasPrefix(strings.ToLower(uri.Value), "udp://") {
		return c.udp(o, side, uri)
	}
	m := newMapping()
	m.add("uri", uri.Value)
	tls := newMapping()
	var auth *yaml.Node
	for i, a := range o[p+"auth"] {
		if i > 0 {
			c.problem(a.Pos, "option %sauth: only the first credential is converted (stompclt tries them in turn)", p)
			continue
		}
		auth = c.auth(a, p, tls)
	}
	if n := o.last(p + "connect"); n != nil {
		kvs, err := hash(n)
		if err != nil {
			return nil, err
		}
		for _, x := range kvs {
			switch x.Key {
			case "host":
				m.add("virtual_host", x.Value)
			case "version":
				c.problem(x.Pos, "option %sconnect: version = %s not converted: bricks negotiates STOMP 1.0 to 1.2", p, x.Value)
			default:
				c.problem(x.Pos, "option %sconnect: CONNECT header %s not converted", p, x.Key)
			}
		}
	}
	if n := o.last(p + "sockopts"); n != nil {
		kvs, err := hash(n)
		if err != nil {
			return nil, err
		}
		for _, x := range kvs {
			switch x.Key {
			case "SSL_ca_file":
				tls.add("ca", x.Value)
			case "SSL_cert_file":
				tls.add("cert", x.Value)
			case "SSL_key_file":
				tls.add("key", x.Value)
			case "SSL_verify_mode":
				if x.Value == "0" || strings.EqualFold(x.Value, "SSL_VERIFY_NONE") {
					tls.add("insecure", boolNode(true))
					c.problem(x.Pos, "option %ssockopts: SSL_verify_mode = %s converted to tls.insecure: true (no certificate check)", p, x.Value)
				}
			default:
				c.problem(x.Pos, "option %ssockopts: %s not converted", p, x.Key)
			}
		}
	}
	if auth != nil {
		m.add("auth", auth)
	}
	if len(tls.n.Content) > 0 {
		m.add("tls", tls.n)
	}
	if hb, _ := c.boolOpt(o, "heart-beat"); hb {
		if v, ok, _ := c.numOpt(o, "timeout-server"); ok && v > 0 {
			m.add("heartbeat", secondsOf(v))
		}
	}
	if n := o.last(p + "type"); n != nil {
		c.problem(n.Pos, "option %stype not converted: bricks sends the prefetch of every broker type", p)
	}
	if n := o.last(p + "stomp-debug"); n != nil {
		c.problem(n.Pos, "option %sstomp-debug not converted: use --log-level debug", p)
	}
	return m.n, nil
}

// udp converts stompclt's UDP output (mta.md §3.8): a udp.sender. As
// stompclt, it refuses what UDP cannot do: credentials, CONNECT headers,
// socket options, heart-beats and an explicit reliable.
func (c *scConv) udp(o options, side string, uri *confgen.Node) (*yaml.Node, error) {
	p := side + "-broker-"
	if side != "outgoing" {
		return nil, fmt.Errorf("%s: option %suri: UDP (%s) is outgoing only", uri.Pos, p, uri.Value)
	}
	for _, name := range []string{p + "auth", p + "connect", p + "sockopts", "reliable"} {
		if n := o.last(name); n != nil {
			return nil, fmt.Errorf("%s: option %s cannot be used with UDP (%s)", n.Pos, name, uri.Value)
		}
	}
	if hb, _ := c.boolOpt(o, "heart-beat"); hb {
		return nil, fmt.Errorf("%s: option heart-beat cannot be used with UDP (%s)", o.last("heart-beat").Pos, uri.Value)
	}
	m := newMapping()
	m.add("uri", uri.Value)
	return m.n, nil
}

// auth converts an Authen::Credential: "scheme k=v ..." or a block.
func (c *scConv) auth(n *confgen.Node, p string, tls mapping) *yaml.Node {
	var scheme string
	var kvs []kv
	if n.Block {
		all, err := hash(n)
		if err != nil {
			c.problem(n.Pos, "option %sauth: %v; not converted", p, err)
			return nil
		}
		for _, x := range all {
			if x.Key == "scheme" {
				scheme = x.Value
				continue
			}
			kvs = append(kvs, x)
		}
	} else {
		words := strings.Fields(n.Value)
		if len(words) == 0 {
			return nil
		}
		scheme = words[0]
		for _, w := range words[1:] {
			k, v, _ := strings.Cut(w, "=")
			kvs = append(kvs, kv{k, unquote(v), n.Pos})
		}
	}
	switch strings.ToLower(scheme) {
	case "none":
		return nil
	case "plain":
		m := newMapping()
		m.add("scheme", "plain")
		for _, x := range kvs {
			switch x.Key {
			case "name", "pass":
				m.add(x.Key, x.Value)
			default:
				c.problem(x.Pos, "option %sauth: %s not converted", p, x.Key)
			}
		}
		return m.n
	case "x509":
		m := newMapping()
		m.add("scheme", "x509")
		for _, x := range kvs {
			switch x.Key {
			case "cert", "key":
				tls.add(x.Key, x.Value)
			default:
				c.problem(x.Pos, "option %sauth: x509 %s not converted (the key must not be encrypted)", p, x.Key)
			}
		}
		return m.n
	}
	c.problem(n.Pos, "option %sauth: scheme %q not converted (bricks knows none, plain and x509)", p, scheme)
	return nil
}

// subscription adds one subscription to a copy of the broker source.
func (c *scConv) subscription(from *yaml.Node, sub *confgen.Node) (*yaml.Node, error) {
	kvs, err := hash(sub)
	if err != nil {
		return nil, err
	}
	broker := *from.Content[1]
	b := mapping{&broker}
	broker.Content = append([]*yaml.Node(nil), broker.Content...)
	headers := newMapping()
	dest := ""
	for _, x := range kvs {
		switch x.Key {
		case "destination":
			dest = x.Value
		case "selector":
			b.add("selector", x.Value)
		case "id", "receipt":
			c.problem(x.Pos, "option subscribe: %s not converted: the tree names its subscription", x.Key)
		case "ack":
			c.problem(x.Pos, "option subscribe: ack = %s not converted: reliable decides it, as with stompclt", x.Value)
		case "activemq.prefetchSize", "prefetch-count", "credit", "consumer-window-size":
			c.problem(x.Pos, "option subscribe: %s not converted: use prefetch", x.Key)
		default:
			headers.add(x.Key, x.Value)
		}
	}
	if dest == "" {
		return nil, fmt.Errorf("%s: option subscribe: destination is required", sub.Pos)
	}
	b.add("destination", dest)
	if len(headers.n.Content) > 0 {
		b.add("headers", headers.n)
	}
	e := newMapping()
	e.add("broker", &broker)
	return e.n, nil
}
