package amqp_test

import (
	"strings"
	"testing"

	"github.com/bricksmq/bricks/supervision"
)

// TestKindConfigErrors loads trees with bad amqp.sender / amqp.receiver
// settings: each must be refused with an error naming the file position,
// the node and the field.
func TestKindConfigErrors(t *testing.T) {
	for _, tc := range []struct{ with, kind, want string }{
		{`{uri: "stomp://h", destination: q}`, "amqp.sender", `unsupported scheme "stomp"`},
		{`{uri: "amqp://h", destination: q, window: 0}`, "amqp.sender", "window: must be at least 1"},
		{`{uri: "amqp://h", destination: q, auth: {scheme: plain}}`, "amqp.sender", "missing username"},
		{`{uri: "amqp://h", destination: q, auth: {scheme: external}}`, "amqp.sender", "needs a TLS client certificate"},
		{`{uri: "amqp://h", destination: q, auth: {scheme: kerberos}}`, "amqp.sender", "kerberos"},
		{`{uri: "amqp://h", destination: q, heartbeat: -1s}`, "amqp.sender", "heartbeat"},
		{`{uri: "amqp://h"}`, "amqp.sender", "destination"},
		{`{uri: "amqp://h", destination: q, to: w, prefetch: 0}`, "amqp.receiver", "prefetch: must be at least 1"},
		{`{uri: "amqp://h", destination: q, to: w, count: -1}`, "amqp.receiver", "count: must not be negative"},
		{`{uri: "amqp://h", destination: q}`, "amqp.receiver", "to"},
		{`{uri: "amqp://h", destination: q, to: nobody}`, "amqp.receiver", "nobody"},
	} {
		yaml := `
name: bad
children:
  - name: w
    kind: queue.writer
    with: {path: /tmp/x}
  - name: stage
    kind: ` + tc.kind + `
    with: ` + tc.with + "\n"
		_, err := supervision.LoadBytes("bad.yaml", []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.yaml:") {
			t.Errorf("%s with %s: err = %v, want one naming bad.yaml:line and containing %q", tc.kind, tc.with, err, tc.want)
		}
	}
}
