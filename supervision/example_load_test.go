package supervision

import (
	"fmt"
	"os"
)

// Load a tree file and draw it. The kinds named in the file must be
// registered (these tests register loadtest.* kinds from an init function).
func ExampleLoad() {
	tree, err := Load("testdata/good/sender.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	reader := tree.Root.Children[1]
	fmt.Println(reader.Name, "sends to", reader.With.String("to"), "and is restarted", reader.Restart)
	_ = WriteText(os.Stdout, tree)
	// Output:
	// reader sends to broker and is restarted permanent
	// sender: supervisor rest_for_one, intensity 5 in 10s, permanent, shutdown infinity
	//   broker: loadtest.sink, permanent, shutdown 5s {label: 'stomp://localhost:61613'}
	//   reader: loadtest.worker, permanent, shutdown 5s {path: /var/spool/sender, to: broker, mode: safe, interval: 1s, retry: {max: 3, delay: 2s}, verbose: false} -> broker (to)
	//   workers: supervisor one_for_one, intensity 1 in 5s, backoff 100ms..10s, cooldown 1m0s, permanent, shutdown infinity
	//     indexer: loadtest.sink, transient, shutdown brutal_kill, watchdog 30s {label: sink}
}

// Every problem of a tree is reported at once, each with its place.
func ExampleLoadBytes() {
	_, err := LoadBytes("tree.yaml", []byte(`name: app
strategy: one_for_some
children:
  - name: a
    kind: loadtest.sink
    restart: always
  - name: a
    kind: loadtest.sink
    with: {colour: red}
`))
	fmt.Println(err)
	// Output:
	// tree.yaml:2:11: strategy: unknown value "one_for_some" (want one_for_one, one_for_all, rest_for_one)
	// tree.yaml:6:14: children[0].restart: unknown value "always" (want permanent, transient, temporary)
	// tree.yaml:7:11: children[1].name: duplicate name "a" (first at line 4)
	// tree.yaml:9:12: children[1].with.colour: unknown key (want label)
}
