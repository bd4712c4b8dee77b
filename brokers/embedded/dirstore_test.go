package embedded

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/internal/stomptest"
	"github.com/bricksmq/bricks/queue"
	"github.com/go-stomp/stomp/v3/frame"
)

func sendN(t *testing.T, tg stomptest.Target, dest string, n int) {
	t.Helper()
	c := stomptest.Connect(t, tg)
	for i := range n {
		f := frame.New(frame.SEND, frame.Destination, dest, frame.ContentType, "text/plain", "x-seq", strconv.Itoa(i))
		f.Body = []byte("body " + strconv.Itoa(i))
		c.Request(f, "r"+strconv.Itoa(i))
	}
	c.Request(frame.New(frame.DISCONNECT), "bye")
}

func subscribe(t *testing.T, c *stomptest.RawConn, dest, ack string, prefetch int) []*frame.Frame {
	t.Helper()
	return c.Request(frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, "s", frame.Ack, ack,
		"prefetch-count", strconv.Itoa(prefetch)), "sub")
}

func receiveN(t *testing.T, c *stomptest.RawConn, got []*frame.Frame, n int) []*frame.Frame {
	t.Helper()
	for len(got) < n {
		got = append(got, c.Expect(frame.MESSAGE))
	}
	return got
}

func TestDirSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv, tg := start(t, Options{Storage: StorageDir, Dir: dir})
	sendN(t, tg, "/queue/durable", 10)
	c := stomptest.Connect(t, tg)
	got := receiveN(t, c, subscribe(t, c, "/queue/durable", "client-individual", 3), 3)
	c.Request(frame.New(frame.ACK, frame.Id, got[1].Header.Get(frame.Ack)), "ack")
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A new broker on the same directory has everything but the acked one.
	_, tg2 := start(t, Options{Storage: StorageDir, Dir: dir})
	c2 := stomptest.Connect(t, tg2)
	want := []int{0, 2, 3, 4, 5, 6, 7, 8, 9}
	got = receiveN(t, c2, subscribe(t, c2, "/queue/durable", "client-individual", 100), len(want))
	for i, m := range got {
		if string(m.Body) != "body "+strconv.Itoa(want[i]) || m.Header.Get("x-seq") != strconv.Itoa(want[i]) {
			t.Errorf("message %d after restart: %q x-seq=%q, want body %d", i, m.Body, m.Header.Get("x-seq"), want[i])
		}
		if m.Header.Get(frame.ContentType) != "text/plain" || m.Header.Get(frame.Destination) != "/queue/durable" {
			t.Errorf("headers lost across restart: %v", m.Header)
		}
		c2.Write(frame.New(frame.ACK, frame.Id, m.Header.Get(frame.Ack)))
	}
	c2.Request(frame.New(frame.DISCONNECT), "bye")
	q, err := queue.NewDQS(filepath.Join(dir, "durable"), queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := q.Count(); err != nil || n != 0 {
		t.Fatalf("queue directory holds %d elements (%v) after every ack", n, err)
	}
}

func TestDirReadsForeignAndStaleLockedElements(t *testing.T) {
	dir := t.TempDir()
	// A queue written by another program, one element locked by a broker
	// that died.
	q, err := queue.NewDQS(filepath.Join(dir, "in%2Fbox"), queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := q.AddMessage(queue.NewText("from python", map[string]string{"content-type": "text/plain", "k": "v"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.AddMessage(queue.NewBinary([]byte{0, 1, 0}, nil)); err != nil {
		t.Fatal(err)
	}
	if ok, err := q.Lock(first); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	_, tg := start(t, Options{Storage: StorageDir, Dir: dir})
	c := stomptest.Connect(t, tg)
	got := receiveN(t, c, subscribe(t, c, "/queue/in/box", "client-individual", 10), 2)
	if string(got[0].Body) != "from python" || got[0].Header.Get("k") != "v" || got[0].Header.Get("redelivered") != "true" {
		t.Errorf("first (stale lock, so redelivered): %q %v", got[0].Body, got[0].Header)
	}
	if string(got[1].Body) != "\x00\x01\x00" || got[1].Header.Get("redelivered") != "" {
		t.Errorf("second: %q %v", got[1].Body, got[1].Header)
	}
	for _, m := range got {
		if m.Header.Get(frame.MessageId) == "" {
			t.Errorf("no message-id: %v", m.Header)
		}
	}
}

func TestEscapeName(t *testing.T) {
	for in, want := range map[string]string{
		"orders": "orders", "a/b": "a%2Fb", "..": "%2E.", ".x": "%2Ex", "": "%", "a b%": "a%20b%25", "v1.2_x-y": "v1.2_x-y",
	} {
		if got := escapeName(in); got != want {
			t.Errorf("escapeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDirIsLockedByOneBroker(t *testing.T) {
	dir := t.TempDir()
	srv, _ := start(t, Options{Storage: StorageDir, Dir: dir})
	second, err := New(Options{Addr: "127.0.0.1:0", Storage: StorageDir, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Listen(); err == nil || !strings.Contains(err.Error(), "in use by another broker") {
		t.Fatalf("second broker on %s: %v", dir, err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Released by Shutdown.
	if err := second.Listen(); err != nil {
		t.Fatal(err)
	}
	if err := second.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDirStorageNeedsDir(t *testing.T) {
	if _, err := New(Options{Storage: StorageDir}); err == nil {
		t.Fatal("dir storage without a dir accepted")
	}
	if _, err := New(Options{Storage: "disk"}); err == nil {
		t.Fatal("unknown storage accepted")
	}
	// A dir that cannot be created stops the broker from listening.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Addr: "127.0.0.1:0", Storage: StorageDir, Dir: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("Listen on a dir that is a file: %v", err)
	}
}

func TestDirQueueFailureIsAnError(t *testing.T) {
	// A queue whose directory cannot be created makes SEND fail with an
	// ERROR answering its receipt, never a RECEIPT.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, tg := start(t, Options{Storage: StorageDir, Dir: dir})
	c := stomptest.Connect(t, tg)
	c.Write(frame.New(frame.SEND, frame.Destination, "/queue/blocked", frame.Receipt, "r"))
	if e := c.ExpectClosed(); e == nil || e.Header.Get(frame.ReceiptId) != "r" {
		t.Fatalf("want ERROR answering receipt r, got %v", e)
	}
}

func TestDirLockReleasedWhenListenFails(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, err := New(Options{Addr: busy.Addr().String(), Storage: StorageDir, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err == nil {
		t.Fatal("listening on a busy port succeeded")
	}
	_, _ = start(t, Options{Storage: StorageDir, Dir: dir}) // fails if the lock leaked
}

// TestDirClearsLockOfRemovedElement: a broker killed between the two
// unlinks of an acknowledgement leaves a lock without its element; the next
// broker clears it and delivers only the messages still there.
func TestDirClearsLockOfRemovedElement(t *testing.T) {
	dir := t.TempDir()
	q, err := queue.NewDQS(filepath.Join(dir, "acked"), queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := q.AddMessage(queue.NewText("acknowledged", nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.AddMessage(queue.NewText("waiting", nil)); err != nil {
		t.Fatal(err)
	}
	if ok, err := q.Lock(gone); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	if err := os.Remove(filepath.Join(q.Path(), gone)); err != nil { // Remove's first unlink only
		t.Fatal(err)
	}
	_, tg := start(t, Options{Storage: StorageDir, Dir: dir})
	c := stomptest.Connect(t, tg)
	got := receiveN(t, c, subscribe(t, c, "/queue/acked", "client-individual", 10), 1)
	if string(got[0].Body) != "waiting" {
		t.Errorf("delivered %q, want the waiting message", got[0].Body)
	}
	if _, err := os.Stat(filepath.Join(q.Path(), gone+".lck")); !os.IsNotExist(err) {
		t.Errorf("the lock of the removed element is still there (stat: %v)", err)
	}
}
