package apps

import (
	"bytes"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/go-stomp/stomp/v3/frame"
)

// TestTransferToUDP: stompclt's UDP output as a transfer — every element
// leaves the queue as one datagram holding its SEND frame, and the
// transfer ends once the queue is drained.
func TestTransferToUDP(t *testing.T) {
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	in := filepath.Join(t.TempDir(), "in")
	const n = 15
	fill(t, in, n)
	runTree(t, "udp.yaml", fmt.Sprintf(`
name: feed
app: transfer
from: {queue: {path: %s}}
to: {broker: {uri: "udp://%s", destination: /topic/feed}}
loop: false
window: 5
`, in, l.LocalAddr()))
	var seqs []string
	buf := make([]byte, 1<<16)
	for range n {
		_ = l.SetReadDeadline(time.Now().Add(time.Minute)) // a hang, not a speed
		k, err := l.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		f, err := frame.NewReader(bytes.NewReader(buf[:k])).Read()
		if err != nil || f.Header.Get("destination") != "/topic/feed" || string(f.Body) != "body "+f.Header.Get("seq") {
			t.Fatalf("datagram %q: %v", buf[:k], err)
		}
		seqs = append(seqs, f.Header.Get("seq"))
	}
	slices.Sort(seqs)
	if seqs = slices.Compact(seqs); len(seqs) != n {
		t.Errorf("%d distinct messages of %d", len(seqs), n)
	}
	if c := count(t, in); c != 0 {
		t.Errorf("source still holds %d", c)
	}
}
