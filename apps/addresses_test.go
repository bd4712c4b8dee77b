package apps

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bricksmq/bricks/supervision"
)

// TestAllAddresses: two embedded brokers behind one host name (both
// loopback addresses, same port) each hold messages; one transfer with
// all-addresses drains both into one queue, one pipeline per address, and
// ends when both went idle.
func TestAllAddresses(t *testing.T) {
	port := freePort(t)
	for _, a := range []string{"127.0.0.2"} { // the second address must be free too
		l, err := net.Listen("tcp", fmt.Sprintf("%s:%d", a, port))
		if err != nil {
			t.Fatalf("port %d on %s: %v (Linux routes all of 127.0.0.0/8 to lo)", port, a, err)
		}
		l.Close()
	}
	const alias = "brokers.bricks.test"
	addrs := []string{"127.0.0.1", "127.0.0.2"}
	defer func(f func(string) ([]string, error)) { lookupHost = f }(lookupHost)
	lookupHost = func(host string) ([]string, error) {
		if host != alias {
			return nil, fmt.Errorf("no such host %s", host)
		}
		return addrs, nil
	}
	dir := t.TempDir()
	inA, inB, out := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "out")
	const n = 20
	fill(t, inA, n)
	fill(t, inB, n)
	forgetStatistics("fan/back/127.0.0.1/stats", "fan/back/127.0.0.2/stats")
	runTree(t, "fan.yaml", fmt.Sprintf(`
name: fan
children:
  - {name: broker-a, kind: stomp.broker, with: {listen: "127.0.0.1:%[1]d"}}
  - {name: broker-b, kind: stomp.broker, with: {listen: "127.0.0.2:%[1]d"}}
  - name: out-a
    app: transfer
    from: {queue: {path: %[2]s}}
    to: {broker: {uri: "stomp://127.0.0.1:%[1]d", destination: /queue/fan}}
    loop: false
  - name: out-b
    app: transfer
    from: {queue: {path: %[3]s}}
    to: {broker: {uri: "stomp://127.0.0.2:%[1]d", destination: /queue/fan}}
    loop: false
  - name: back
    app: transfer
    from: {broker: {uri: "stomp://%[5]s:%[1]d", destination: /queue/fan, all-addresses: true}}
    to: {queue: {path: %[4]s}}
    timeouts: {inactivity: 2s}
`, port, inA, inB, out, alias))
	got := drain(t, out)
	var seqs []string
	for _, m := range got {
		seqs = append(seqs, m.Header["seq"])
	}
	slices.Sort(seqs)
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprint(i), fmt.Sprint(i)) // once from each broker
	}
	slices.Sort(want)
	if !slices.Equal(seqs, want) {
		t.Errorf("destination holds seqs %v, want each of 1..%d twice (once per broker)", seqs, n)
	}
	for _, a := range addrs {
		st, ok := TransferStatistics("fan/back/" + a + "/stats")
		if !ok || st.Messages != n {
			t.Errorf("pipeline of %s: statistics %+v (found %v), want %d messages", a, st, ok, n)
		}
	}
}

// TestAllAddressesExpansion: the shape of a fanned-out transfer — pidfile
// and purger shared, one pipeline per address named by it, URIs with the
// address and the certificate still checked against the host name.
func TestAllAddressesExpansion(t *testing.T) {
	defer func(f func(string) ([]string, error)) { lookupHost = f }(lookupHost)
	lookupHost = func(host string) ([]string, error) { return []string{"192.0.2.1", "2001:db8::1"}, nil }
	n := load(t, `name: in
app: transfer
from: {broker: {uri: "stomp+ssl://mq.example.org:61614", destination: /queue/a, all-addresses: true}}
to: {queue: {path: /var/q}}
pidfile: /run/in.pid
`)
	if got, want := shape(n), []string{"pidfile=process.pidfile", "192.0.2.1=sup", "2001_db8__1=sup", "purge-to=queue.purger"}; !slices.Equal(got, want) {
		t.Fatalf("children %v, want %v", got, want)
	}
	if n.Strategy != supervision.OneForOne {
		t.Errorf("strategy %v, want one_for_one", n.Strategy)
	}
	for addr, uri := range map[string]string{"192.0.2.1": "stomp+ssl://192.0.2.1:61614", "2001:db8::1": "stomp+ssl://[2001:db8::1]:61614"} {
		p := child(t, n, nodeNameOf(addr))
		if got, want := shape(p), []string{"writer=queue.writer", "stats=transfer.stats", "receiver=stomp.receiver", "drain=transfer.drain"}; !slices.Equal(got, want) {
			t.Errorf("%s: children %v, want %v", addr, got, want)
		}
		r := child(t, p, "receiver").With
		if r.String("uri") != uri || r.Object("tls").String("server_name") != "mq.example.org" {
			t.Errorf("%s: receiver uri %q tls %v", addr, r.String("uri"), r.Object("tls").Values())
		}
		if got := child(t, p, "stats").With.String("transfer"); got != "in@"+addr {
			t.Errorf("%s: statistics named %q", addr, got)
		}
	}
}
