package e2e

import (
	"strings"
	"testing"

	"github.com/bricksmq/bricks/internal/brokertest"
	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// mib is the size of the large bodies.
const mib = 1 << 20

// total is how many messages each transfer moves: 10,000, or 1,000 with
// -short outside CI (under CI the full count always runs).
func total() int {
	if testing.Short() && !brokertest.InCI() {
		return 1000
	}
	return 10000
}

// Messages 3..6 have an empty body and 10..13 a 1 MiB body (each of the
// kinds of kindtest.Message: text, binary, text with tricky headers); the
// others are kindtest.Message's small ones.
func special(i int) (empty, big bool) {
	return i >= 3 && i <= 6, i >= 10 && i <= 13
}

// message is the i-th message of a transfer.
func message(i int) *queue.Message {
	m := kindtest.Message(i)
	switch empty, big := special(i); {
	case empty:
		// The JSON form of a queue element omits an empty body, which
		// reads back as binary (python-messaging's format): an empty body
		// crosses a directory queue as binary, whatever it was
		// (shared/spec/message.md: the default message is an empty
		// binary body).
		m.Body, m.Text = []byte{}, false
	case big && m.Text:
		m.Body = []byte(strings.Repeat("ü✓", mib/5) + strings.Repeat("x", mib%5)) // valid UTF-8
	case big:
		m.Body = make([]byte, mib)
		for j := range m.Body {
			m.Body[j] = byte(j*7 + i)
		}
	}
	return m
}

// messages returns messages 0..n-1.
func messages(n int) []*queue.Message {
	ms := make([]*queue.Message, n)
	for i := range ms {
		ms[i] = message(i)
	}
	return ms
}

// rules are the header rules of a transfer, in the tree's YAML (flow
// style) and as what they do to a message, for the expected result.
type rules struct {
	yaml    string
	apply   func(h map[string]string)
	deleted []string // of the message's own headers: must be absent on arrival
}

// The rules the tests configure: set a header, delete one, template one.
var (
	setRelay = rules{`{set: {x-relay: bricks, x-note: "réglé ✓"}}`, func(h map[string]string) {
		h["x-relay"], h["x-note"] = "bricks", "réglé ✓"
	}, nil}
	deleteNote = rules{`{delete: [note, message-id, timestamp, expires]}`, func(h map[string]string) {
		delete(h, "note")
	}, []string{"note"}}
	// allInOne is one stage with every kind of rule: the template reads
	// the headers as they arrived, before the delete and the set.
	allInOne = rules{`{delete: [note], set: {x-relay: bricks}, template: {subject: "$${seq}/$${note}/$${x-relay}"}}`, func(h map[string]string) {
		h["subject"] = h["seq"] + "/" + h["note"] + "/"
		delete(h, "note")
		h["x-relay"] = "bricks"
	}, []string{"note"}}
	templateSubject = rules{`{template: {subject: "$${seq}/$${x-relay}/ключ=$${ключ}"}}`, func(h map[string]string) {
		h["subject"] = h["seq"] + "/" + h["x-relay"] + "/ключ=" + h["ключ"]
	}, nil}
)

// want returns messages 0..n-1 as they must arrive after rs, and the
// headers that must be absent (deleted).
func want(n int, rs ...rules) (msgs []*queue.Message, absent []string) {
	msgs = messages(n)
	for _, m := range msgs {
		for _, r := range rs {
			r.apply(m.Header)
		}
	}
	for _, r := range rs {
		absent = append(absent, r.deleted...)
	}
	return msgs, absent
}

// check asserts that every one of the n messages arrived in the DQS queue
// dst as want says (byte-identical bodies, headers after the rules, the
// deleted ones absent) and returns how many duplicates arrived.
func check(t *testing.T, dst string, n int, rs ...rules) int {
	t.Helper()
	got := kindtest.Read(t, dst)
	w, absent := want(n, rs...)
	dups := kindtest.CheckSame(t, got, w)
	bad := 0
	for seq, ms := range got {
		for _, m := range ms {
			for _, h := range absent {
				if v, ok := m.Header[h]; ok && bad < 5 {
					bad++
					t.Errorf("message %d: header %q = %q should have been deleted", seq, h, v)
				}
			}
		}
	}
	// the special bodies really went through (CheckSame compared them)
	for i := range min(n, 14) {
		if empty, big := special(i); (empty || big) && len(got[i]) > 0 {
			if l := len(got[i][0].Body); empty && l != 0 || big && l != mib {
				t.Errorf("message %d: body of %d bytes", i, l)
			}
		}
	}
	return dups
}
