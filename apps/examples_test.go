package apps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bricksmq/bricks/supervision"
)

// TestExamplesLoad: every example tree file loads and checks, as
// `bricks check examples/*.yaml` does.
func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no examples found in ../examples")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := supervision.Load(f); err != nil {
				t.Errorf("%s:\n%v", f, err)
			}
		})
	}
}

// TestQuickstart runs examples/quickstart.yaml (in a temporary directory,
// on a free port) until the ten produced messages went through the broker
// and were consumed, then stops it.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BRICKS_QUICKSTART_DIR": dir, "BRICKS_QUICKSTART_PORT": fmt.Sprint(freePort(t))}
	ld := &supervision.Loader{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	forgetStatistics("quickstart/outbox/stats", "quickstart/inbox/stats")
	tr, err := ld.Load("../examples/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	consumed := func() bool {
		a, _ := TransferStatistics("quickstart/outbox/stats")
		b, _ := TransferStatistics("quickstart/inbox/stats")
		return a.Messages == 10 && b.Messages == 10 && count(t, filepath.Join(dir, "outbox")) == 0 &&
			count(t, filepath.Join(dir, "inbox")) == 0
	}
	deadline := time.Now().Add(60 * time.Second)
	for !consumed() {
		if time.Now().After(deadline) {
			a, _ := TransferStatistics("quickstart/outbox/stats")
			b, _ := TransferStatistics("quickstart/inbox/stats")
			t.Fatalf("quickstart did not move the ten messages: outbox %+v, inbox %+v", a, b)
		}
		select {
		case <-r.Done():
			t.Fatalf("quickstart tree ended: %v", r.Wait())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "broker")); err != nil {
		t.Errorf("broker storage not under the quickstart directory: %v", err)
	}
}
