package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
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
// not let write (issue 5, acceptance 3). A permission is the
// destination's, not a message's: RabbitMQ's access_refused ERROR makes
// stomp.sender fail without rejecting anything, with an error naming the
// broker, the refusal and the destination; its supervisor restarts it
// with its backoff, and every element stays in the source queue, intact,
// none moved aside.
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
	// A high intensity: the restarts go on for as long as the test looks.
	run, ev := kindtest.RunTree(t, treeYAML("refused",
		hop{name: "outbox", from: queueEnd(src), to: dest, extra: "    intensity: 1000\n"}))
	kindtest.WaitUntil(t, "the sender failed twice", func() bool { return ev.Failed("sender") >= 2 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run.Stop(ctx); err != nil {
		t.Fatalf("stopping the tree: %v", err)
	}
	errs := ev.Reasons("sender")
	if len(errs) == 0 {
		t.Fatal("the sender failed without a reason")
	}
	for _, err := range errs {
		for _, want := range []string{b.URI, "access_refused", dest.dest} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("unclear error, want %q named: %v", want, err)
			}
		}
	}
	if q := kindtest.Quarantined(t, src); len(q) != 0 {
		t.Errorf("%d elements moved aside, want none (a permission is not a poison message): %q", len(q), q)
	}
	// Every element left in the queue, intact.
	left := kindtest.Count(t, src)
	if left != n {
		t.Errorf("%d elements left in the source queue, want all %d", left, n)
	}
	kindtest.CheckSame(t, kindtest.Read(t, src), sent)
	t.Logf("permission refused: %d of %d elements left in the source queue, sender failed %d times; first error: %v",
		left, n, ev.Failed("sender"), errs[0])
}
