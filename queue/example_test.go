package queue_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/bricksmq/bricks/queue"
)

// A producer adds messages; a consumer iterates, locks each element (skipping
// those another consumer took), reads it and removes it.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	q, err := queue.Open("dqs", filepath.Join(dir, "outgoing"))
	if err != nil {
		log.Fatal(err)
	}
	for _, body := range []string{"first", "second"} {
		if _, err := q.AddMessage(queue.NewText(body, map[string]string{"destination": "/queue/test"})); err != nil {
			log.Fatal(err)
		}
	}
	for name, err := range q.Names() {
		if err != nil {
			log.Fatal(err)
		}
		if ok, err := q.Lock(name); err != nil || !ok {
			continue // another consumer has it
		}
		m, err := q.GetMessage(name)
		if _, corrupt := queue.IsCorrupt(err); corrupt {
			q.Quarantine(name, err) // moved aside, never lost
			continue
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(m.Body), m.Header["destination"])
		if err := q.Remove(name); err != nil {
			log.Fatal(err)
		}
	}
	n, _ := q.Count()
	fmt.Println("left:", n)
	// Output:
	// first /queue/test
	// second /queue/test
	// left: 0
}

// A DQN element is a directory with one file per schema field.
func ExampleNewDQN() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)

	q, err := queue.NewDQN(filepath.Join(dir, "q"), queue.DQNOptions{
		Schema: map[string]string{"header": "table", "body": "binary", "note": "string?"},
	})
	if err != nil {
		log.Fatal(err)
	}
	name, err := q.Add(map[string]any{"header": map[string]string{"k": "v"}, "body": []byte{1, 2}})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := q.Lock(name); err != nil {
		log.Fatal(err)
	}
	e, err := q.Get(name)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e["header"], e["body"], len(e))
	// Output: map[k:v] [1 2] 2
}

// Table fields are stored as escaped KEY<TAB>VALUE lines, sorted by key.
func ExampleFormatTable() {
	fmt.Printf("%q\n", queue.FormatTable(map[string]string{"b": "2", "a": "tab\there"}))
	t, _ := queue.ParseTable([]byte("a\ttab\\there\nb\t2\n"))
	fmt.Printf("%q\n", t["a"])
	// Output:
	// "a\ttab\\there\nb\t2\n"
	// "tab\there"
}

// A Set iterates several queues as one, oldest names first.
func ExampleSet() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	a, _ := queue.NewDQS(filepath.Join(dir, "a"), queue.DQSOptions{})
	b, _ := queue.NewDQS(filepath.Join(dir, "b"), queue.DQSOptions{})
	a.Add([]byte("1"))
	b.Add([]byte("2"))
	a.Add([]byte("3"))
	s, err := queue.NewSet(a, b)
	if err != nil {
		log.Fatal(err)
	}
	for e, err := range s.Names() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(filepath.Base(e.Queue.Path()))
	}
	// Output:
	// a
	// b
	// a
}
