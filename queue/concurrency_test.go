package queue

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentGoroutines has many goroutines add to and consume one
// queue through separate queue objects (as separate processes would) and
// through a shared one: every element is consumed exactly once.
func TestConcurrentGoroutines(t *testing.T) {
	const producers, consumers, perProducer = 8, 8, 250
	for _, kind := range []string{"dqs", "dqn"} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q")
			shared, err := Open(kind, path)
			if err != nil {
				t.Fatal(err)
			}
			open := func(i int) Queue {
				if i%2 == 0 {
					return shared
				}
				q, err := Open(kind, path)
				if err != nil {
					t.Error(err)
				}
				return q
			}
			var seen sync.Map
			var consumed, dups atomic.Int64
			var wg, pwg sync.WaitGroup
			var done atomic.Bool
			errs := make(chan error, producers+consumers)
			for p := range producers {
				pwg.Add(1)
				go func() {
					defer pwg.Done()
					q := open(p)
					for i := range perProducer {
						m := &Message{Header: map[string]string{"id": fmt.Sprintf("%d-%d", p, i)}, Body: []byte("x")}
						if _, err := q.AddMessage(m); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			for c := range consumers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q := open(c)
					for {
						finished := done.Load()
						got := 0
						for name, err := range q.Names() {
							if err != nil {
								errs <- err
								return
							}
							ok, err := q.Lock(name)
							if err != nil {
								errs <- err
								return
							}
							if !ok {
								continue
							}
							m, err := q.GetMessage(name)
							if err != nil {
								errs <- err
								return
							}
							if _, loaded := seen.LoadOrStore(m.Header["id"], true); loaded {
								dups.Add(1)
							}
							if err := q.Remove(name); err != nil {
								errs <- err
								return
							}
							consumed.Add(1)
							got++
						}
						if finished && got == 0 {
							return
						}
						if got == 0 {
							time.Sleep(time.Millisecond)
						}
					}
				}()
			}
			pwg.Wait()
			done.Store(true)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if consumed.Load() != producers*perProducer || dups.Load() != 0 {
				t.Errorf("consumed %d (want %d), duplicates %d", consumed.Load(), producers*perProducer, dups.Load())
			}
			if n, _ := shared.Count(); n != 0 {
				t.Errorf("Count = %d", n)
			}
			// purging concurrently with nothing left keeps the queue usable
			if err := shared.Purge(DefaultPurge); err != nil {
				t.Error(err)
			}
		})
	}
}
