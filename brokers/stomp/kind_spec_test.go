package stomp

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/actors"
)

// decodeWith decodes a `with:` block against the spec of kind.
func decodeWith(t *testing.T, kind, with string) *actors.Config {
	t.Helper()
	k, ok := actors.Lookup(kind)
	if !ok {
		t.Fatalf("kind %s not registered", kind)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(with), &doc); err != nil {
		t.Fatal(err)
	}
	cfg, err := actors.Decode("with.yaml", doc.Content[0], k.Spec, actors.DecodeOptions{Path: "with"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestKindConnectionFields: the shared connection fields become the URI
// and Options both kinds connect with.
func TestKindConnectionFields(t *testing.T) {
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The kinds' own fields, then the shared ones.
	for kind, own := range map[string]string{SenderKindName: "window: 5\n", ReceiverKindName: "destination: /queue/x\nto: next\n"} {
		cfg := decodeWith(t, kind, own+`
uri: "failover:(stomp://127.0.0.1:1,stomp+ssl://127.0.0.1:2)?maxReconnectAttempts=3"
auth: {name: bricks, pass_file: `+pass+`}
tls: {ca: /ca.pem, server_name: broker.example, insecure: true}
virtual_host: vh
heartbeat: 0s
connect_timeout: 3s
`)
		c, err := connectionFrom(cfg)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(c.uri.Addresses) != 2 || !c.uri.Addresses[1].TLS || c.uri.MaxAttempts != 3 {
			t.Errorf("%s: uri %+v", kind, c.uri)
		}
		o := c.opts
		if o.Auth != (Auth{Scheme: "plain", Name: "bricks", Pass: "s3cret"}) {
			t.Errorf("%s: auth %+v", kind, o.Auth)
		}
		if o.TLS != (TLSOptions{CAFile: "/ca.pem", ServerName: "broker.example", InsecureSkipVerify: true}) {
			t.Errorf("%s: tls %+v", kind, o.TLS)
		}
		if o.VirtualHost != "vh" || o.ConnectTimeout != 3*time.Second {
			t.Errorf("%s: virtual_host %q connect_timeout %s", kind, o.VirtualHost, o.ConnectTimeout)
		}
		// 0 disables heart-beats; Options take a negative value for that.
		if o.HeartBeatSend >= 0 || o.HeartBeatRecv >= 0 {
			t.Errorf("%s: heartbeat 0 gave send %s recv %s, want disabled", kind, o.HeartBeatSend, o.HeartBeatRecv)
		}
	}

	// Absent fields leave the library defaults.
	c, err := connectionFrom(decodeWith(t, SenderKindName, `uri: stomp://127.0.0.1:61613`))
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.Auth.Scheme != "" || c.opts.HeartBeatSend != 0 || c.opts.ConnectTimeout != 0 || c.opts.VirtualHost != "" {
		t.Errorf("defaults: %+v", c.opts)
	}
}
