package apps_test

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/bricksmq/bricks/apps"
	"github.com/bricksmq/bricks/queue"
	"github.com/bricksmq/bricks/supervision"
)

// An app node expands, inside the loader, into a supervisor with the
// stages of a transfer.
func Example_transfer() {
	tree, err := supervision.LoadBytes("sender.yaml", []byte(`
name: sender
app: transfer
from: {queue: {path: /var/spool/bricks/out}}
to: {broker: {uri: "stomp://127.0.0.1:61613", destination: /queue/orders}}
headers: {delete: [message-id]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range tree.Root.Children {
		fmt.Println(c.Name, c.Kind)
	}
	// Output:
	// sender stomp.sender
	// stats transfer.stats
	// headers headers.rewrite
	// reader queue.reader
	// drain transfer.drain
	// purge-from queue.purger
}

// Problems are reported where the app file says what is wrong.
func Example_transferError() {
	_, err := supervision.LoadBytes("bad.yaml", []byte(`
name: sender
app: transfer
from: {queue: {path: /var/spool/bricks/out}}
to: {broker: {uri: "stomp://127.0.0.1:61613", windw: 5}}
`))
	fmt.Println(strings.SplitN(err.Error(), " (want", 2)[0])
	// Output:
	// bad.yaml:5:47: to.broker.windw: unknown key, did you mean window?
}

func ExampleHeaderRules_Apply() {
	rules := apps.HeaderRules{
		Copy:     map[string]string{"original-destination": "destination"},
		Delete:   []string{"destination", "message-id"},
		Default:  map[string]string{"persistent": "true"},
		Template: map[string]string{"subject": "${type} #${id}"},
	}
	out := rules.Apply(map[string]string{"destination": "/queue/a", "message-id": "ID:7", "type": "order", "id": "42"})
	for _, k := range slices.Sorted(maps.Keys(out)) {
		fmt.Printf("%s: %s\n", k, out[k])
	}
	// Output:
	// id: 42
	// original-destination: /queue/a
	// persistent: true
	// subject: order #42
	// type: order
}

// A Go hook for what header rules cannot say: here, drop empty messages.
// Name the kind in a transfer's `hook:`.
func ExampleRegisterHook() {
	apps.RegisterHook("example.skip-empty", "drops messages without a body", func(m *queue.Message) (*queue.Message, error) {
		if len(m.Body) == 0 {
			return nil, nil // dropped: confirmed to the source, which removes it
		}
		return m, nil
	})
	_, err := supervision.LoadBytes("hook.yaml", []byte(`
name: t
app: transfer
from: {queue: {path: /tmp/a}}
to: {queue: {path: /tmp/b}}
hook: example.skip-empty
`))
	fmt.Println(err)
	// Output:
	// <nil>
}

func ExampleAcquirePidfile() {
	dir, _ := os.MkdirTemp("", "pid")
	defer os.RemoveAll(dir)
	p, err := apps.AcquirePidfile(dir + "/mta.pid")
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = os.Stat(p.Path())
	fmt.Println("held:", err == nil)
	fmt.Println("released:", p.Release())
	// Output:
	// held: true
	// released: <nil>
}
