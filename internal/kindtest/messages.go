package kindtest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/bricksmq/bricks/queue"
)

// Message is the i-th message of a transfer: text with unicode, binary
// with NUL and invalid-UTF-8 bytes, or text with unicode and punctuation in
// header names and values (what STOMP must escape), each with a "seq"
// header to recognise it.
func Message(i int) *queue.Message {
	h := map[string]string{"seq": strconv.Itoa(i)}
	switch i % 3 {
	case 0:
		h["note"] = "héllo wörld ✓ 日本語"
		return queue.NewText(fmt.Sprintf("message %d: ünïcödé ✓ 🚀", i), h)
	case 1:
		body := []byte{0, 1, 2, 0xff, 0xfe, 0, 'x', byte(i), byte(i >> 8), 0}
		return queue.NewBinary(body, h)
	default:
		h["tricky"] = `colon:back\slash`
		h["ключ"] = "значение"
		return queue.NewText(fmt.Sprintf("line one\nline two %d", i), h)
	}
}

// Messages returns messages 0..n-1.
func Messages(n int) []*queue.Message {
	ms := make([]*queue.Message, n)
	for i := range ms {
		ms[i] = Message(i)
	}
	return ms
}

// OpenDQS opens the DQS queue at dir.
func OpenDQS(t testing.TB, dir string) *queue.DQS {
	t.Helper()
	q, err := queue.NewDQS(dir, queue.DQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Fill adds msgs to the DQS queue at dir.
func Fill(t testing.TB, dir string, msgs ...*queue.Message) {
	t.Helper()
	q := OpenDQS(t, dir)
	for _, m := range msgs {
		if _, err := q.AddMessage(m); err != nil {
			t.Fatal(err)
		}
	}
}

// Count returns the number of elements in the DQS queue at dir.
func Count(t testing.TB, dir string) int {
	t.Helper()
	n, err := OpenDQS(t, dir).Count()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Read returns the messages of the DQS queue at dir by "seq" header.
func Read(t testing.TB, dir string) map[int][]*queue.Message {
	t.Helper()
	q := OpenDQS(t, dir)
	got := map[int][]*queue.Message{}
	for name, err := range q.Names() {
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		m, err := q.GetMessage(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
		seq, err := strconv.Atoi(m.Header["seq"])
		if err != nil {
			t.Fatalf("element %s has no seq header: %v", name, m.Header)
		}
		got[seq] = append(got[seq], m)
	}
	return got
}

// Quarantined returns the reasons of the elements moved aside in the DQS
// queue at dir.
func Quarantined(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, queue.QuarantineDir, "*.reason"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, string(b))
	}
	return reasons
}

// CheckArrived asserts that messages 0..n-1 (of Message) all arrived, each
// identical to what was sent (same body bytes, same text flag, every
// header kept; the broker may add its own), and nothing else, and returns
// how many duplicates arrived.
func CheckArrived(t testing.TB, got map[int][]*queue.Message, n int) (dups int) {
	t.Helper()
	return CheckSame(t, got, Messages(n))
}

// CheckSame asserts that every message of want arrived, found in got by
// its index in want (its "seq" header, as Read returns them), identical to
// what was sent (same body bytes, same text flag, every header kept; the
// broker may add its own), and nothing else, and returns how many
// duplicates arrived.
func CheckSame(t testing.TB, got map[int][]*queue.Message, want []*queue.Message) (dups int) {
	t.Helper()
	lost, n := 0, len(want)
	for i, w := range want {
		ms := got[i]
		if len(ms) == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("message %d lost", i)
			}
			continue
		}
		dups += len(ms) - 1
		for _, m := range ms {
			if !bytes.Equal(m.Body, w.Body) || m.Text != w.Text {
				t.Errorf("message %d changed: body %s text %v, want %s text %v", i, abbrev(m.Body), m.Text, abbrev(w.Body), w.Text)
			}
			for _, k := range slices.Sorted(maps.Keys(w.Header)) {
				if m.Header[k] != w.Header[k] {
					t.Errorf("message %d header %q = %q, want %q", i, k, m.Header[k], w.Header[k])
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d messages lost", lost, n)
	}
	if extra := len(got) - n + lost; extra > 0 {
		t.Errorf("%d unexpected messages arrived", extra)
	}
	return dups
}

// abbrev quotes a body for an error message, cut short when long (a
// 1 MiB body would drown the report).
func abbrev(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q... (%d bytes)", b[:64], len(b))
	}
	return fmt.Sprintf("%q", b)
}
