package queue

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// cpuTime is the process's user + system CPU time: the benchmarks report it
// per operation ("cpu-ns/op"), which, unlike ns/op, does not grow when
// other programs load the machine, and which includes the garbage
// collector's background work.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureCPU runs f (b.N operations) and reports its CPU time per operation.
func measureCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime(b)
	f()
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// The per-message hot path of a transfer agent: AddMessage on the receiving
// side, Lock + GetMessage + Remove on the sending side, with the 1 KiB text
// message of the serialisation benchmarks. It runs on tmpfs when there is
// one, so that the numbers are the CPU cost rather than the disk's.

func hotpathDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "bricks-hotpath-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return b.TempDir()
}

func hotpathQueue(b *testing.B) *DQS {
	q, err := NewDQS(hotpathDir(b)+"/q", DQSOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return q
}

// BenchmarkHotpathAddMessage is the queue.writer's work per message.
func BenchmarkHotpathAddMessage(b *testing.B) {
	m := benchMessages()["text1k"]
	q := hotpathQueue(b)
	measureCPU(b, func() {
		for range b.N {
			if _, err := q.AddMessage(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// hotpathFill adds n copies of the text message and returns their names.
func hotpathFill(b *testing.B, q *DQS, n int) []string {
	m := benchMessages()["text1k"]
	names := make([]string, 0, n)
	for range n {
		name, err := q.AddMessage(m)
		if err != nil {
			b.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

// lockGetRemove is the queue.reader's file work for one element.
func lockGetRemove(b *testing.B, q *DQS, name string) {
	ok, err := q.Lock(name)
	if err != nil || !ok {
		b.Fatalf("lock %s: %v %v", name, ok, err)
	}
	if _, err := q.GetMessage(name); err != nil {
		b.Fatal(err)
	}
	if err := q.Remove(name); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHotpathLockGetRemove is the queue.reader's work per message,
// the names listing excluded.
func BenchmarkHotpathLockGetRemove(b *testing.B) {
	q := hotpathQueue(b)
	names := hotpathFill(b, q, b.N)
	measureCPU(b, func() {
		for _, name := range names {
			lockGetRemove(b, q, name)
		}
	})
}

// BenchmarkHotpathConsume is the whole reader loop per message: names
// iteration, lock, get, remove.
func BenchmarkHotpathConsume(b *testing.B) {
	q := hotpathQueue(b)
	hotpathFill(b, q, b.N)
	n := 0
	measureCPU(b, func() {
		for name, err := range q.Names() {
			if err != nil {
				b.Fatal(err)
			}
			lockGetRemove(b, q, name)
			n++
		}
	})
	if n != b.N {
		b.Fatalf("consumed %d of %d", n, b.N)
	}
}

// BenchmarkHotpathParts splits Lock+Get+Remove into its steps.
func BenchmarkHotpathParts(b *testing.B) {
	b.Run("Lock", func(b *testing.B) {
		q := hotpathQueue(b)
		names := hotpathFill(b, q, b.N)
		measureCPU(b, func() {
			for _, name := range names {
				if ok, err := q.Lock(name); err != nil || !ok {
					b.Fatalf("lock %s: %v %v", name, ok, err)
				}
			}
		})
	})
	b.Run("GetMessage", func(b *testing.B) {
		q := hotpathQueue(b)
		name := hotpathFill(b, q, 1)[0]
		if err := q.LockStrict(name); err != nil {
			b.Fatal(err)
		}
		measureCPU(b, func() {
			for range b.N {
				if _, err := q.GetMessage(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("Remove", func(b *testing.B) {
		q := hotpathQueue(b)
		names := hotpathFill(b, q, b.N)
		for _, name := range names {
			if err := q.LockStrict(name); err != nil {
				b.Fatal(err)
			}
		}
		measureCPU(b, func() {
			for _, name := range names {
				if err := q.Remove(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkHotpathCodec is Serialize and Deserialize of the 1 KiB
// messages with their CPU time (BenchmarkSerialize and BenchmarkDeserialize
// cover the compressions).
func BenchmarkHotpathCodec(b *testing.B) {
	for _, name := range []string{"text1k", "binary1k"} {
		m := benchMessages()[name]
		data, err := m.Serialize(SerializeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Serialize/"+name, func(b *testing.B) {
			measureCPU(b, func() {
				for range b.N {
					if _, err := m.Serialize(SerializeOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run("Deserialize/"+name, func(b *testing.B) {
			measureCPU(b, func() {
				for range b.N {
					if _, err := Deserialize(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
