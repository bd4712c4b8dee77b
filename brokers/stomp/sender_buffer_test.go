package stomp

import (
	"testing"

	"github.com/bricksmq/bricks/queue"
)

// TestSenderBufferWaitsForFlush: Buffer leaves the frame in the
// connection's buffer (nothing reaches the broker), Flush writes the whole
// burst, and each message gets its receipt.
func TestSenderBufferWaitsForFlush(t *testing.T) {
	fb := newFakeBroker(t, serveSTOMP("0,0"))
	ctx := testCtx(t)
	s := fb.sender(t, 10)
	for _, id := range []string{"a", "b", "c"} {
		if err := s.Buffer(ctx, id, "/queue/x", &queue.Message{Body: []byte(id)}); err != nil {
			t.Fatal(err)
		}
	}
	s.wmu.Lock()
	buffered := s.conn.out.Buffered()
	s.wmu.Unlock()
	if buffered == 0 {
		t.Fatal("Buffer wrote its frames out: want them held until Flush")
	}
	s.Flush()
	confirmedIDs(ctx, t, s, 3)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, f := range fb.sent() {
		bodies = append(bodies, string(f.Body))
	}
	if len(bodies) != 3 || bodies[0] != "a" || bodies[1] != "b" || bodies[2] != "c" {
		t.Fatalf("broker got %q, want [a b c] in order", bodies)
	}
}

// TestSenderBufferFlushesAFullWindow: a caller that only ever Buffers, with
// more messages than the window, is not stuck waiting for receipts of
// frames still in the buffer: Buffer writes them out before it waits.
func TestSenderBufferFlushesAFullWindow(t *testing.T) {
	fb := newFakeBroker(t, serveSTOMP("0,0"))
	ctx := testCtx(t)
	s := fb.sender(t, 2)
	const n = 7
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			if err := s.Buffer(ctx, string(rune('a'+i)), "/queue/x", &queue.Message{Body: []byte{byte(i)}}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	// Results are read while Buffer runs (the window needs them), and the
	// last Buffered messages are written by Close.
	for i := range n - 2 {
		select {
		case r := <-s.Results():
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		case <-ctx.Done():
			t.Fatalf("stuck after %d results: Buffer waits for receipts of frames it never wrote", i)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	go func() {
		for range s.Results() { // the last two, for Close's wait
		}
	}()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v (Close must write what is buffered and wait for its receipts)", err)
	}
	if got := len(fb.sent()); got != n {
		t.Fatalf("broker got %d messages, want %d", got, n)
	}
}
