package apps

import (
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"testing"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestQueueBrokerQueue: two transfers through the embedded STOMP broker —
// queue → broker (loop: false) and broker → queue (count) — move every
// message once, and the file ends by itself when both are done.
func TestQueueBrokerQueue(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	const n = 30
	fill(t, in, n)
	forgetStatistics("e2e/back/stats", "e2e/out/stats")
	port := freePort(t)
	runTree(t, "e2e.yaml", fmt.Sprintf(`
name: e2e
children:
  - name: broker
    kind: stomp.broker
    with: {listen: "127.0.0.1:%[1]d"}
  - name: out
    app: transfer
    from: {queue: {path: %[2]s}}
    to: {broker: {uri: "stomp://127.0.0.1:%[1]d", destination: /queue/e2e}}
    loop: false
    window: 5
    headers: {delete: [message-id]}
  - name: back
    app: transfer
    from: {broker: {uri: "stomp://127.0.0.1:%[1]d", destination: /queue/e2e}}
    to: {queue: {path: %[3]s}}
    count: %[4]d
    prefetch: 7
`, port, in, out, n))
	got := drain(t, out)
	var seqs []string
	for _, m := range got {
		if string(m.Body) != "body "+m.Header["seq"] {
			t.Errorf("message %v garbled", m)
		}
		seqs = append(seqs, m.Header["seq"])
	}
	sort.Strings(seqs)
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprint(i))
	}
	sort.Strings(want)
	if fmt.Sprint(seqs) != fmt.Sprint(want) {
		t.Errorf("destination holds seqs %v, want each of 1..%d once", seqs, n)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
	if st, _ := TransferStatistics("e2e/back/stats"); st.Messages != n {
		t.Errorf("back statistics %+v, want %d messages", st, n)
	}
}
