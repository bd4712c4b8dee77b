package e2e

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/bricksmq/bricks/internal/kindtest"
	"github.com/bricksmq/bricks/queue"
)

// tmpfs mounts a tmpfs of the given size (e.g. "2m") on a fresh directory
// and unmounts it when the test ends (after the trees stopped: cleanups
// run last-registered first).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	requireRoot(t, "mounting a tmpfs")
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// elementName matches a DQS element's path below the queue directory
// (not a temporary or lock file).
var elementName = regexp.MustCompile(`^[0-9a-f]{8}/[0-9a-f]{14}$`)

// moveOut moves the stored elements of the DQS queue at from to the same
// place below to (copy, then remove: another file system), keeping them,
// and returns how many it moved.
func moveOut(t *testing.T, from, to string) int {
	t.Helper()
	moved := 0
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() || !elementName.MatchString(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
		moved++
		return os.Remove(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return moved
}

// bigMessage is the i-th message of the disk-full test: a 100 KiB binary
// body, so that a few fill a small tmpfs.
func bigMessage(i int) *queue.Message {
	body := make([]byte, 100<<10)
	for j := range body {
		body[j] = byte(i + j*31)
	}
	return queue.NewBinary(body, map[string]string{"seq": strconv.Itoa(i)})
}

// TestDiskFull fills a broker, then transfers broker→queue into a queue on
// a 2 MiB tmpfs that cannot hold it all: the writer fails with ENOSPC and
// restarts with backoff, the receiver acknowledges nothing it could not
// store, so the broker keeps the rest; once room is made (the stored
// elements moved out, kept), every message ends up stored — none lost.
func TestDiskFull(t *testing.T) {
	kindtest.CheckLeaks(t)
	full := tmpfs(t, "2m")
	tgt := kindtest.RabbitSTOMPTarget
	b := tgt.Endpoint(t)
	src := filepath.Join(t.TempDir(), "src")
	moved := filepath.Join(t.TempDir(), "moved")
	mid := brokerEnd(t, tgt, b)
	const n = 40 // 40 × 100 KiB (137 KiB as JSON): twice what fits
	msgs := make([]*queue.Message, n)
	for i := range msgs {
		msgs[i] = bigMessage(i)
	}
	kindtest.Fill(t, src, msgs...)
	kindtest.RunTree(t, treeYAML("filler", hop{name: "outbox", from: queueEnd(src), to: mid, extra: "    loop: false\n"}))
	kindtest.WaitUntil(t, "the broker confirmed every message", func() bool { return kindtest.Count(t, src) == 0 })

	_, ev := kindtest.RunTree(t, treeYAML("diskfull", hop{name: "inbox", from: mid, to: queueEnd(full),
		extra: "    prefetch: 4\n    intensity: 1000\n    period: 1m\n"}))
	kindtest.WaitUntil(t, "the writer failed twice", func() bool { return ev.Failed("writer") >= 2 })
	reasons := ev.Reasons("writer")
	for _, err := range reasons {
		if !errors.Is(err, syscall.ENOSPC) && !strings.Contains(err.Error(), syscall.ENOSPC.Error()) {
			t.Errorf("the writer failed, but not for a full disk: %v", err)
		}
	}
	stored := kindtest.Count(t, full)
	if stored >= n {
		t.Fatalf("%d of %d messages stored on a 2 MiB tmpfs: the test does not fill it", stored, n)
	}
	onBroker := rabbitDepth(t, mid.dest[len("/queue/"):])
	t.Logf("disk full: %d stored, %d on the broker, writer failed %d times, first: %v",
		stored, onBroker, len(reasons), reasons[0])
	if onBroker+stored < n {
		t.Errorf("%d on the broker + %d stored < %d sent: the receiver acknowledged what it did not store", onBroker, stored, n)
	}

	// make room until every message was stored, in the tmpfs or moved out
	kindtest.WaitUntil(t, "every message stored", func() bool {
		moveOut(t, full, moved)
		return kindtest.Count(t, moved) >= n || len(kindtest.Read(t, moved)) >= n
	})
	got := kindtest.Read(t, moved)
	for seq, ms := range kindtest.Read(t, full) {
		got[seq] = append(got[seq], ms...)
	}
	dups := kindtest.CheckSame(t, got, msgs)
	t.Logf("all %d messages stored after making room (%d duplicates); writer failed %d times", n, dups, ev.Failed("writer"))
}

// rabbitDepth returns how many messages RabbitMQ holds in queue name
// (ready and unacknowledged).
func rabbitDepth(t *testing.T, name string) int {
	t.Helper()
	requireRoot(t, "rabbitmqctl")
	out := run(t, "rabbitmqctl", "-q", "list_queues", "name", "messages")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == name {
			d, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("rabbitmqctl list_queues: %q", line)
			}
			return d
		}
	}
	t.Fatalf("queue %s not in rabbitmqctl list_queues: %s", name, out)
	return 0
}
