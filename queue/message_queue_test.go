package queue

import (
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/internal/testutil"
)

// queuesManifest is testdata/message/queues.json: element names of the
// messages.json cases in the DQS and DQN queues of queues.tar.gz, written
// by python-messaging's add_message.
type queuesManifest struct {
	DQS []struct {
		Label       string  `json:"label"`
		Name        string  `json:"name"`
		Compression *string `json:"compression"`
	} `json:"dqs"`
	DQN []struct {
		Label string `json:"label"`
		Name  string `json:"name"`
	} `json:"dqn"`
}

func TestGetMessageFromPythonQueues(t *testing.T) {
	dir := t.TempDir()
	testutil.ExtractTarGz(t, filepath.Join(messageVectors, "queues.tar.gz"), dir)
	var manifest queuesManifest
	loadJSON(t, "queues.json", &manifest)
	cases := map[string]*Message{}
	for _, c := range loadMessages(t).Cases {
		cases[c.Label] = c.message(t)
	}
	check := func(t *testing.T, q Queue, label, name string) {
		want, ok := cases[label]
		if !ok {
			t.Fatalf("label %s not in messages.json", label)
		}
		if ok, err := q.Lock(name); !ok || err != nil {
			t.Fatalf("lock %s: %v %v", name, ok, err)
		}
		got, err := q.GetMessage(name)
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		if !sameMessage(got, want) {
			t.Errorf("%s (%s): got %+v, want %+v", label, name, got, want)
		}
		if err := q.Unlock(name); err != nil {
			t.Fatal(err)
		}
	}
	for kind, n := range map[string]int{"dqs": len(manifest.DQS), "dqn": len(manifest.DQN)} {
		if n == 0 {
			t.Fatalf("no %s elements in queues.json", kind)
		}
	}
	t.Run("dqs", func(t *testing.T) {
		q, err := Open("dqs", filepath.Join(dir, "dqs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range manifest.DQS {
			check(t, q, e.Label, e.Name)
		}
	})
	t.Run("dqn", func(t *testing.T) {
		q, err := Open("dqn", filepath.Join(dir, "dqn"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range manifest.DQN {
			check(t, q, e.Label, e.Name)
		}
	})
}

// Messages written by AddMessage read back equal through both queue
// flavours, with and without compression.
func TestAddGetMessageRoundTrip(t *testing.T) {
	msgs := []*Message{
		{},
		NewText("", map[string]string{"empty": ""}),
		NewText("héllo \U0001F600", map[string]string{"k": "v\n\t\\"}),
		NewBinary([]byte{0, 1, 2, 0xff}, nil),
		NewText(string(make([]byte, 600)), nil),
	}
	for _, kind := range []string{"dqs", "dqn", "dqs-zlib", "dqs-lz4", "dqs-snappy"} {
		t.Run(kind, func(t *testing.T) {
			var q Queue
			var err error
			switch kind {
			case "dqs", "dqn":
				q, err = Open(kind, t.TempDir())
			default:
				q, err = NewDQS(t.TempDir(), DQSOptions{Compression: kind[4:]})
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				name, err := q.AddMessage(m)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := q.Lock(name); !ok || err != nil {
					t.Fatalf("lock: %v %v", ok, err)
				}
				got, err := q.GetMessage(name)
				if err != nil {
					t.Fatal(err)
				}
				want := m
				if kind != "dqn" && m.Text && len(m.Body) == 0 {
					want = &Message{Header: m.Header} // the JSON form drops the flag
				}
				if !sameMessage(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			}
		})
	}
}
