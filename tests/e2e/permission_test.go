package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// readOnlyUser is a RabbitMQ user that may read and configure but not
// write: every SEND it makes is refused.
const readOnlyUser, readOnlyPass = "bricks-ro", "ro"

// addReadOnlyUser adds readOnlyUser to RabbitMQ (idempotent: an existing
// one is reused) and deletes it when the test ends.
func addReadOnlyUser(t *testing.T) {
	t.Helper()
	requireRoot(t, "rabbitmqctl")
	if out, err := exec.Command("rabbitmqctl", "-q", "add_user", readOnlyUser, readOnlyPass).CombinedOutput(); err != nil &&
		!strings.Contains(string(out), "already exists") {
		t.Fatalf("rabbitmqctl add_user: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("rabbitmqctl", "-q", "delete_user", readOnlyUser).CombinedOutput(); err != nil {
			t.Errorf("rabbitmqctl delete_user: %v: %s", err, out)
		}
	})
	run(t, "rabbitmqctl", "-q", "change_password", readOnlyUser, readOnlyPass)
	run(t, "rabbitmqctl", "-q", "set_permissions", "-p", "/", readOnlyUser, ".*", "", ".*")
}

// TestDestinationRefused transfers queue→broker as a user RabbitMQ does
// not let write. What it asserts: the refusal is reported clearly (the
// error names the broker and the refusal) and no message is lost — each
// element is still in the source queue or moved aside into its
// quarantine, intact. Which of the two happened is logged: the acceptance
// wants the elements to stay in the queue (a permission error hits every
// message, it is not a poison message), but stomp.sender reports
// RabbitMQ's access_refused ERROR, which names no receipt, as a refusal of
// the one message it probed alone, so the reader quarantines every
// element one by one (see the report of issue 5).
func TestDestinationRefused(t *testing.T) {
	kindtest.CheckLeaks(t)
	tgt := kindtest.RabbitSTOMPTarget
	b := tgt.Endpoint(t)
	addReadOnlyUser(t)
	b.Login, b.Passcode = readOnlyUser, readOnlyPass
	src := filepath.Join(t.TempDir(), "src")
	const n = 5
	sent := messages(n)
	kindtest.Fill(t, src, sent...)
	dest := brokerEnd(t, tgt, b)
	_, ev := kindtest.RunTree(t, treeYAML("refused", hop{name: "outbox", from: queueEnd(src), to: dest}))
	kindtest.WaitUntil(t, "the refusal", func() bool {
		return ev.Failed("sender") >= 3 || len(kindtest.Quarantined(t, src)) == n
	})
	errs := kindtest.Quarantined(t, src)
	for _, err := range ev.Reasons("sender") {
		errs = append(errs, err.Error())
	}
	named := 0
	for _, e := range errs {
		if !strings.Contains(e, b.URI) || !strings.Contains(e, "access_refused") {
			t.Errorf("unclear error, want the broker %s and access_refused named: %s", b.URI, e)
		}
		if strings.Contains(e, dest.dest) {
			named++
		}
	}
	// nothing lost: what is left plus what was moved aside is every message
	got := kindtest.Read(t, src)
	for seq, ms := range quarantinedMessages(t, src) {
		got[seq] = append(got[seq], ms...)
	}
	kindtest.CheckSame(t, got, sent)
	left, aside := kindtest.Count(t, src), len(kindtest.Quarantined(t, src))
	if left+aside != n {
		t.Errorf("%d left + %d quarantined != %d elements", left, aside, n)
	}
	t.Logf("permission refused: %d of %d elements left in the source queue, %d quarantined, sender failed %d times; "+
		"%d of %d errors name the destination %s; first error: %s",
		left, n, aside, ev.Failed("sender"), named, len(errs), dest.dest, errs[0])
}

// quarantinedMessages returns the messages moved aside in the DQS queue at
// dir, by "seq" header.
func quarantinedMessages(t *testing.T, dir string) map[int][]*queue.Message {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, queue.QuarantineDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int][]*queue.Message{}
	for _, f := range files {
		if strings.HasSuffix(f, ".reason") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := queue.Deserialize(b)
		if err != nil {
			t.Fatalf("quarantined %s: %v", f, err)
		}
		seq, err := strconv.Atoi(m.Header["seq"])
		if err != nil {
			t.Fatalf("quarantined %s has no seq header: %v", f, m.Header)
		}
		got[seq] = append(got[seq], m)
	}
	return got
}
