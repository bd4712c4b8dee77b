package embedded

import (
	"net"
	"testing"
	"time"
)

// FuzzClientInput feeds arbitrary bytes to a connected session: the broker
// may answer anything or close, but must not panic or hang, and must keep
// serving others.
func FuzzClientInput(f *testing.F) {
	for _, seed := range []string{
		"SEND\ndestination:/queue/f\nreceipt:1\n\nhi\x00",
		"SUBSCRIBE\ndestination:/queue/f\nid:1\nack:client\n\n\x00ACK\nid:0.1\n\n\x00",
		"SEND\ndestination:/queue/f\ncontent-length:2\n\n\x00\x00\x00",
		"BEGIN\ntransaction:t\n\n\x00SEND\ndestination:/topic/f\ntransaction:t\n\n\x00COMMIT\ntransaction:t\n\n\x00",
		"NACK\nmessage-id:x\nsubscription:1\n\n\x00",
		"SEND\ndestination:/queue/f\ncontent-length:4294967295\n\n",
		"\n\n\r\nDISCONNECT\nreceipt:bye\n\n\x00",
		"SEND\nbad\\q:1\n\n\x00",
	} {
		f.Add([]byte(seed))
	}
	_, tg := start(f, Options{MaxFrameSize: 1 << 16})
	f.Fuzz(func(t *testing.T, input []byte) {
		nc, err := net.Dial("tcp", tg.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Write(append([]byte("CONNECT\naccept-version:1.2\n\n\x00"), input...)); err != nil {
			return // closed on us: fine
		}
		if tcp, ok := nc.(*net.TCPConn); ok {
			_ = tcp.CloseWrite() // end of input: the broker must finish
		}
		buf := make([]byte, 4096)
		for {
			if _, err := nc.Read(buf); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("broker neither answered nor closed for input %q", input)
				}
				return
			}
		}
	})
}
