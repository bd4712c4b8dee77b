package apps

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// An endpoint is one side of a transfer: `from:` or `to:`, each either
// `queue: {path, type, ...}` (a directory queue) or `broker: {uri, ...}`
// (a STOMP or AMQP 1.0 broker, told apart by the URI's scheme).

// Endpoint protocols.
const (
	protoQueue = "queue"
	protoSTOMP = "stomp"
	protoAMQP  = "amqp"
	protoUDP   = "udp" // destination only: stompclt's udp:// output
)

type endpoint struct {
	side  string            // "from" or "to"
	proto string            // protoQueue, protoSTOMP or protoAMQP
	key   *yaml.Node        // the `queue` / `broker` key
	at    *yaml.Node        // its mapping
	path  string            // key path of the mapping
	kvs   []actors.KeyValue // its entries, passed to the stage's with:
}

// value returns the node of one of the endpoint's keys, or nil.
func (e *endpoint) value(key string) *yaml.Node {
	for _, kv := range e.kvs {
		if kv.Key.Value == key {
			return kv.Value
		}
	}
	return nil
}

// isQueue reports whether the endpoint is a directory queue.
func (e *endpoint) isQueue() bool { return e.proto == protoQueue }

// parseEndpoint reads `from:` or `to:`; it reports problems and returns nil.
func parseEndpoint(l actors.Located, n *yaml.Node, path, side string) *endpoint {
	kvs, ok := l.Mapping(n, path)
	if !ok {
		return nil
	}
	var found []actors.KeyValue
	for _, kv := range kvs {
		switch kv.Key.Value {
		case "queue", "broker":
			found = append(found, kv)
		default:
			l.Errorf(kv.Key, actors.JoinPath(path, kv.Key.Value), "%s", actors.UnknownKey(kv.Key.Value, []string{"queue", "broker"}))
			return nil
		}
	}
	switch len(found) {
	case 0:
		l.Errorf(n, path, "%s needs queue: {path: ...} or broker: {uri: ...}", side)
		return nil
	case 2:
		l.Errorf(found[1].Key, actors.JoinPath(path, found[1].Key.Value), "%s takes queue or broker, not both", side)
		return nil
	}
	kv := found[0]
	e := &endpoint{side: side, key: kv.Key, at: kv.Value, path: actors.JoinPath(path, kv.Key.Value)}
	if e.kvs, ok = l.Mapping(kv.Value, e.path); !ok {
		return nil
	}
	if kv.Key.Value == "queue" {
		e.proto = protoQueue
		if e.value("path") == nil {
			l.Errorf(kv.Value, actors.JoinPath(e.path, "path"), "required field missing (the queue's directory)")
			return nil
		}
		return e
	}
	uri := e.value("uri")
	if uri == nil {
		l.Errorf(kv.Value, actors.JoinPath(e.path, "uri"), "required field missing (stomp://host:port, amqp://host:port, failover:(...))")
		return nil
	}
	s, ok := l.Scalar(uri, actors.JoinPath(e.path, "uri"))
	if !ok {
		return nil
	}
	if e.proto, ok = protocolOf(s); !ok {
		l.Errorf(uri, actors.JoinPath(e.path, "uri"), "cannot tell the protocol of %q (want a stomp://, stomp+ssl://, amqp://, amqps://, udp:// or failover:(...) URI)", s)
		return nil
	}
	if e.proto == protoUDP && side == "from" {
		l.Errorf(uri, actors.JoinPath(e.path, "uri"), "udp:// is a destination only (stompclt's UDP output): a transfer cannot receive from it")
		return nil
	}
	return e
}

var (
	stompSchemes = []string{"stomp", "stomp+ssl", "stomp+tls", "tcp", "ssl"}
	amqpSchemes  = []string{"amqp", "amqps", "amqp+ssl", "amqp+tls"}
	udpSchemes   = []string{"udp"}
)

// protocolOf tells STOMP from AMQP by the scheme of a broker URI; a
// failover list is judged by its first member.
func protocolOf(uri string) (string, bool) {
	u := strings.ToLower(strings.TrimSpace(uri))
	if rest, ok := strings.CutPrefix(u, "failover:"); ok {
		rest = strings.TrimPrefix(rest, "(")
		if i := strings.IndexAny(rest, ",)"); i >= 0 {
			rest = rest[:i]
		}
		u = rest
	}
	scheme, _, ok := strings.Cut(u, "://")
	if !ok {
		return "", false
	}
	switch {
	case slices.Contains(stompSchemes, scheme):
		return protoSTOMP, true
	case slices.Contains(amqpSchemes, scheme):
		return protoAMQP, true
	case slices.Contains(udpSchemes, scheme):
		return protoUDP, true
	}
	return "", false
}

// stageKinds are the kinds of the stages at each end, by protocol.
var (
	sourceKinds = map[string]string{protoQueue: "queue.reader", protoSTOMP: "stomp.receiver", protoAMQP: "amqp.receiver"}
	sinkKinds   = map[string]string{protoQueue: "queue.writer", protoSTOMP: "stomp.sender", protoAMQP: "amqp.sender", protoUDP: "udp.sender"}
)

// stageName is the node name of an end's stage: what it does, so the
// tree reads "sender, stats, reader".
func stageName(e *endpoint) string {
	switch {
	case e.side == "from" && e.isQueue():
		return "reader"
	case e.side == "from":
		return "receiver"
	case e.isQueue():
		return "writer"
	}
	return "sender"
}

func (e *endpoint) String() string { return fmt.Sprintf("%s %s", e.side, e.proto) }
