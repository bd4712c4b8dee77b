package statuspage_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/supervision"
	"github.com/bricksmq/bricks/supervision/statuspage"
)

func init() {
	actors.Register(actors.Kind{Name: "example.ingest", Summary: "takes what it is sent",
		New: func(*actors.Config) (actor.Actor, error) { return actor.ReceiveFunc(func(actor.Context) {}), nil }})
}

// ExampleNew embeds a tree and its status page in a Go service: start the
// tree, then serve statuspage.New on an address of your choice (here any
// free port on 127.0.0.1).
func ExampleNew() {
	logger := slog.New(slog.DiscardHandler)
	tree, err := supervision.LoadBytes("service.yaml", []byte(`
name: service
children:
  - name: ingest
    kind: example.ingest
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	running, err := supervision.Start(context.Background(), tree, supervision.WithLogger(logger))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer running.Stop(context.Background())

	srv, err := statuspage.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.Serve(statuspage.New(running, tree), logger)
	defer srv.Close(context.Background())

	// The page is at "/"; here the live text drawing.
	res, err := http.Get("http://" + srv.Addr().String() + "/tree.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	_, _ = io.Copy(os.Stdout, res.Body)
	// Output:
	// service: supervisor one_for_one, intensity 1 in 5s, permanent, shutdown infinity [running]
	//   ingest: example.ingest, permanent, shutdown 5s [running]
}
