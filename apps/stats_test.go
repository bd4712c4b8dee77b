package apps

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/testutil"
	"github.com/bricksmq/bricks/supervision"
)

// TestStatisticsOnSignalAndExit: SIGUSR1 makes every transfer log its
// totals; stopping logs them once more.
func TestStatisticsOnSignalAndExit(t *testing.T) {
	// Keep SIGUSR1 from killing the test binary before the stage listens.
	guard := make(chan os.Signal, 8)
	signal.Notify(guard, syscall.SIGUSR1)
	defer signal.Stop(guard)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	fill(t, in, 3)
	forgetStatistics("sig/stats")
	tr, err := supervision.LoadBytes("sig.yaml", []byte(fmt.Sprintf(`
name: sig
app: transfer
from: {queue: {path: %s, poll: 50ms}}
to: {queue: {path: %s}}
`, in, out)))
	if err != nil {
		t.Fatal(err)
	}
	var logs testutil.LogBuffer
	r, err := supervision.Start(context.Background(), tr, supervision.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = r.Stop(context.Background())
		}
	}()
	want := `msg="transfer statistics" node=sig/stats transfer=sig messages=3`
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q line after SIGUSR1; logs:\n%s", want, logs.String())
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if at := `msg="transfer statistics at exit" node=sig/stats transfer=sig messages=3 bytes=`; !strings.Contains(logs.String(), at) {
		t.Errorf("no %q line at stop; logs:\n%s", at, logs.String())
	}
}
