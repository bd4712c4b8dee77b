package statuspage

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// protoactor's dead-letter throttle sleeps one period in a goroutine.
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewThrottleWithLogger.func1"),
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewThrottle.func1"),
		goleak.IgnoreAnyFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1"),
	)
}

// crash makes a statuspage.crasher fail.
type crash struct{}

func init() {
	actors.Register(actors.Kind{Name: "statuspage.idle", Summary: "does nothing",
		New: func(*actors.Config) (actor.Actor, error) { return actor.ReceiveFunc(func(actor.Context) {}), nil }})
	actors.Register(actors.Kind{Name: "statuspage.crasher", Summary: "fails when told to",
		Spec: actors.NewSpec().
			Field(actors.Sibling("to").Description("where it would send messages")).
			Field(actors.String("password").Secret().Description("never shown")),
		New: func(*actors.Config) (actor.Actor, error) {
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(crash); ok {
					actors.Fail(ctx, errors.New("crashed on purpose"))
				}
			}), nil
		}})
}

// shopYAML is the tree of these tests: a worker with a secret and a
// message-flow link, next to a nested supervisor.
const shopYAML = `name: shop
intensity: 5
children:
  - name: sink
    kind: statuspage.idle
  - name: worker
    kind: statuspage.crasher
    with: {to: sink, password: hunter2}
  - name: team
    strategy: rest_for_one
    children:
      - name: helper
        kind: statuspage.idle
`

func quietLogger() *slog.Logger {
	if os.Getenv("BRICKS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startShop runs the shop tree and serves its handler; both stop at the end
// of the test.
func startShop(t *testing.T) (*supervision.Running, *Handler, *httptest.Server) {
	t.Helper()
	tree, err := supervision.LoadBytes("shop.yaml", []byte(shopYAML))
	if err != nil {
		t.Fatal(err)
	}
	r, err := supervision.Start(context.Background(), tree, supervision.WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	h := New(r, tree)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return r, h, srv
}

// crashWorker makes shop/worker fail once and waits until it runs again.
func crashWorker(t *testing.T, r *supervision.Running) {
	t.Helper()
	pid := r.PID("shop/worker")
	r.System().Root.Send(pid, crash{})
	// A hang guard, not a timing assertion: the restart is immediate.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, st := range r.Inspect() {
			if st.Path == "shop/worker" && st.Restarts == 1 && st.State == supervision.StateRunning && st.PID != pid.Id {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("shop/worker did not restart: %+v", r.Inspect())
}

// get fetches path from srv and checks the status and content type.
func get(t *testing.T, srv *httptest.Server, path, wantType string) string {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", path, res.Status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != wantType {
		t.Errorf("GET %s: Content-Type %q, want %q", path, ct, wantType)
	}
	return string(body)
}
