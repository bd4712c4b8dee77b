package brokerbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bricksmq/bricks/internal/brokertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// checkReport checks that every row ran every run with a positive rate and
// that the table shows each of them.
func checkReport(t *testing.T, rep *Report, runs int, labels ...string) {
	t.Helper()
	var out bytes.Buffer
	Print(&out, rep)
	t.Logf("\n%s", out.String())
	for _, r := range rep.Rows {
		if len(r.Rates) != runs {
			t.Errorf("%s %s window %d: %d rates, want %d", r.Op, r.Client, r.Window, len(r.Rates), runs)
		}
		if lo, _, _ := r.Stats(); lo <= 0 {
			t.Errorf("%s %s window %d: rate %v", r.Op, r.Client, r.Window, lo)
		}
	}
	for _, l := range labels {
		if !strings.Contains(out.String(), l) {
			t.Errorf("table lacks %q", l)
		}
	}
}

// rowKeys lists the rows as "op client window".
func rowKeys(rep *Report) string {
	var keys []string
	for _, r := range rep.Rows {
		keys = append(keys, fmt.Sprint(r.Op, " ", r.Client, " ", r.Window))
	}
	return strings.Join(keys, ", ")
}

// TestRunEmbedded runs every row against the embedded broker with a few
// messages; each row checks what it moved (receipts, acknowledgements, the
// drain of exactly what was sent), so a lost message fails the test.
func TestRunEmbedded(t *testing.T) {
	e, err := StartEmbedded(quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	rep, err := Run(context.Background(), Config{URI: e.URI(), N: 300, Runs: 2, Windows: []int{1, 100},
		Logger: quiet, RowTimeout: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "send bare 1, send library 1, send bare 100, send library 100, send pipeline 100, " +
		"consume bare 0, consume library 0, consume pipeline 0"
	if got := rowKeys(rep); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
	checkReport(t, rep, 2, "bare go-stomp", "bricks stomp", "stomp.sender tree", "stomp.receiver tree", "load average")
}

// TestRunRabbitMQ runs the STOMP and AMQP 1.0 rows against RabbitMQ (the
// AMQP run uses the durable queue the STOMP run declared).
func TestRunRabbitMQ(t *testing.T) {
	st := brokertest.RabbitSTOMP(t)
	am := brokertest.RabbitAMQP(t)
	for _, cfg := range []Config{
		{URI: st.URI, User: st.Login, Pass: st.Passcode, Destination: "/queue/bricks-bench-test"},
		{URI: am.URI, User: am.Login, Pass: am.Passcode, Destination: "/amq/queue/bricks-bench-test"},
	} {
		cfg.N, cfg.Runs, cfg.Windows, cfg.Logger, cfg.RowTimeout = 100, 1, []int{10}, quiet, time.Minute
		rep, err := Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 7 {
			t.Errorf("%s: rows %s", cfg.URI, rowKeys(rep))
		}
		checkReport(t, rep, 1, "bare go-"+rep.Protocol, "bricks "+rep.Protocol, rep.Protocol+".sender tree", rep.Protocol+".receiver tree")
	}
}

// TestRunLeftovers: messages an interrupted run left on the destination
// are consumed before the runs, and counted; the rows then run as on an
// empty destination. (Before, the bare go-stomp consumer on RabbitMQ met
// more messages than it took, and a delivery crossing its UNSUBSCRIBE
// made RabbitMQ close the connection with "Subscription not found".)
func TestRunLeftovers(t *testing.T) {
	e, err := StartEmbedded(quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	st := brokertest.RabbitSTOMP(t)
	am := brokertest.RabbitAMQP(t)
	const leftovers = 150
	for _, cfg := range []Config{
		{URI: e.URI(), Destination: "/queue/leftovers"},
		{URI: st.URI, User: st.Login, Pass: st.Passcode, Destination: "/queue/bricks-bench-leftovers"},
		{URI: am.URI, User: am.Login, Pass: am.Passcode, Destination: "/amq/queue/bricks-bench-leftovers"},
	} {
		cfg.N, cfg.Runs, cfg.Windows, cfg.Logger, cfg.RowTimeout = 100, 1, []int{100}, quiet, time.Minute
		cfg.NoPipeline = true
		ctx := context.Background()
		b, err := newBench(cfg.withDefaults(), mustProtocol(t, cfg.URI), make([]byte, 10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.sweep(ctx, sweepQuiet); err != nil { // from an earlier failed run of this test
			t.Fatal(err)
		}
		if err := b.fill(ctx, leftovers); err != nil {
			t.Fatal(err)
		}
		rep, err := Run(ctx, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", cfg.URI, err)
		}
		if rep.Swept != leftovers {
			t.Errorf("%s: swept %d messages, want %d", cfg.URI, rep.Swept, leftovers)
		}
		checkReport(t, rep, 1, fmt.Sprintf("%d messages left on the destination", leftovers))
		if n, err := b.sweep(ctx, sweepQuiet); err != nil || n != 0 {
			t.Errorf("%s: the runs left %d messages (%v)", cfg.URI, n, err)
		}
	}
}

func mustProtocol(t *testing.T, uri string) string {
	t.Helper()
	p, err := Protocol(uri)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunNoPipeline(t *testing.T) {
	e, err := StartEmbedded(quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop(context.Background())
	rep, err := Run(context.Background(), Config{URI: e.URI(), N: 50, Runs: 1, Windows: []int{10}, NoPipeline: true, Logger: quiet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rowKeys(rep), "send bare 10, send library 10, consume bare 0, consume library 0"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

func TestRunBadURI(t *testing.T) {
	for uri, want := range map[string]string{
		"http://127.0.0.1:80":                              "want stomp://host:port or amqp://host:port",
		"failover:(stomp://a:61613,stomp://b:61613)":       "one plain stomp://host:port address",
		"stomp+ssl://127.0.0.1:61612":                      "one plain stomp://host:port address",
		"amqps://127.0.0.1:5671":                           "one plain amqp://host:port address",
		"failover:(amqp://127.0.0.1:1,amqp://127.0.0.1:2)": "one plain amqp://host:port address",
	} {
		_, err := Run(context.Background(), Config{URI: uri, Logger: quiet}, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", uri, err, want)
		}
	}
}

// TestRunUnreachable fails with the broker's address rather than hanging.
func TestRunUnreachable(t *testing.T) {
	_, err := Run(context.Background(), Config{URI: "stomp://127.0.0.1:1", N: 10, Runs: 1, Logger: quiet, RowTimeout: 10 * time.Second}, nil)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %v", err)
	}
}
