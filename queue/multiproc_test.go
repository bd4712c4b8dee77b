package queue

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runHelper is a producer or consumer process (the test binary re-executed
// with BRICKS_QUEUE_HELPER set), the Go twin of tests/dirq/worker.py:
//
//	produce KIND PATH PREFIX N
//	consume KIND PATH OUT DONE
func runHelper(args []string) error {
	cmd, kind, path := args[0], args[1], args[2]
	q, err := Open(kind, path)
	if err != nil {
		return err
	}
	switch cmd {
	case "produce":
		n, err := strconv.Atoi(args[4])
		if err != nil {
			return err
		}
		for i := range n {
			id := fmt.Sprintf("%s-%d", args[3], i)
			if kind == "dqs" {
				_, err = q.(*DQS).Add([]byte(id))
			} else {
				_, err = q.(*DQN).Add(map[string]any{"header": map[string]string{"id": id}, "text": id})
			}
			if err != nil {
				return err
			}
		}
		return nil
	case "consume":
		f, err := os.Create(args[3])
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		for {
			_, err := os.Stat(args[4])
			finished := err == nil
			got := 0
			for name, err := range q.Names() {
				if err != nil {
					return err
				}
				ok, err := q.Lock(name)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				var id string
				if kind == "dqs" {
					b, err := q.(*DQS).Get(name)
					if err != nil {
						return err
					}
					id = string(b)
				} else {
					e, err := q.(*DQN).Get(name)
					if err != nil {
						return err
					}
					id = e["header"].(map[string]string)["id"]
				}
				w.WriteString(id + "\n")
				if err := q.Remove(name); err != nil {
					return err
				}
				got++
			}
			if finished && got == 0 {
				return nil
			}
			if got == 0 {
				time.Sleep(5 * time.Millisecond) // idle: leave the CPU to producers
			}
		}
	}
	return errors.New("unknown helper command " + cmd)
}

// TestMultiProcess runs 4 producer and 4 consumer processes, half Go and
// half python-dirq, on one queue: 20,000 messages, each consumed exactly once.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test skipped in -short mode")
	}
	py := needPythonDirq(t)
	const perProducer = 5000
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"dqs", "dqn"} {
		t.Run(kind, func(t *testing.T) {
			dir := shmTempDir(t)
			path := filepath.Join(dir, "q")
			done := filepath.Join(dir, "done")
			goProc := func(args ...string) *exec.Cmd {
				c := exec.Command(self, "-test.run=^$")
				c.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, "\x1f"))
				return c
			}
			pyProc := func(args ...string) *exec.Cmd {
				return exec.Command(py, append([]string{pyScript(t, "worker.py")}, args...)...)
			}
			start := func(c *exec.Cmd) *exec.Cmd {
				c.Stderr = os.Stderr
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				return c
			}
			var consumers, producers []*exec.Cmd
			var outs []string
			for i := range 4 {
				out := filepath.Join(dir, fmt.Sprintf("consumer%d", i))
				outs = append(outs, out)
				mk := goProc
				if i%2 == 1 {
					mk = pyProc
				}
				consumers = append(consumers, start(mk("consume", kind, path, out, done)))
			}
			var prefixes []string
			for i := range 4 {
				mk, prefix := goProc, fmt.Sprintf("go%d", i)
				if i%2 == 1 {
					mk, prefix = pyProc, fmt.Sprintf("py%d", i)
				}
				prefixes = append(prefixes, prefix)
				producers = append(producers, start(mk("produce", kind, path, prefix, strconv.Itoa(perProducer))))
			}
			for _, c := range producers {
				if err := c.Wait(); err != nil {
					t.Fatalf("producer %v: %v", c.Args, err)
				}
			}
			if err := os.WriteFile(done, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, c := range consumers {
				if err := c.Wait(); err != nil {
					t.Fatalf("consumer %v: %v", c.Args, err)
				}
			}
			seen := map[string]int{}
			perConsumer := make([]int, len(outs))
			for i, out := range outs {
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range strings.Fields(string(b)) {
					seen[id]++
					perConsumer[i]++
				}
			}
			missing, dup := 0, 0
			for _, p := range prefixes {
				for i := range perProducer {
					id := fmt.Sprintf("%s-%d", p, i)
					switch seen[id] {
					case 0:
						missing++
					case 1:
					default:
						dup++
					}
					delete(seen, id)
				}
			}
			if missing != 0 || dup != 0 || len(seen) != 0 {
				t.Errorf("missing %d, duplicated %d, unknown %d", missing, dup, len(seen))
			}
			t.Logf("%s: 20000 messages, per consumer %v", kind, perConsumer)
			q, _ := Open(kind, path)
			if n, _ := q.Count(); n != 0 {
				t.Errorf("queue still holds %d", n)
			}
		})
	}
}

// shmTempDir returns a temporary directory on tmpfs (/dev/shm) when there
// is one: the multi-process test checks exactly-once delivery, not the disk,
// and a busy disk would only make it slow.
func shmTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "bricks-queue-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
