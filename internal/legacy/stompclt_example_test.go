package legacy_test

import (
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/bricksmq/bricks/apps" // the transfer app and every kind

	"github.com/bricksmq/bricks/internal/legacy"
)

func ExampleConvertStompclt() {
	dir, _ := os.MkdirTemp("", "stompclt")
	defer os.RemoveAll(dir)
	conf := filepath.Join(dir, "sender.conf")
	_ = os.WriteFile(conf, []byte(`<incoming-queue>
    path = /var/spool/out
</incoming-queue>
outgoing-broker-uri = stomp://broker.example.org:61613
outgoing-broker-auth = "plain name=app pass=secret"
callback-code = <<EOF
    $hdr{"x-relay"} = "bricks";
    delete $hdr{"message-id"};
    $hdr{n}++;
    EOF
loop = yes
remove = yes
`), 0o644)
	res, err := legacy.ConvertStompclt(conf)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Problems {
		fmt.Println(filepath.Base(p.Pos.File), p.Pos.Line, p.Msg)
	}
	os.Stdout.Write(res.Tree[len("# bricks tree converted by `bricks import stompclt` from "+conf+".\n\n"):])
	// Output:
	// sender.conf 9 callback code not convertible (only $hdr{name} = "value"; and delete $hdr{name}; become header rules): $hdr{n}++
	// name: sender
	// app: transfer
	// from:
	//   queue:
	//     path: /var/spool/out
	// to:
	//   broker:
	//     uri: stomp://broker.example.org:61613
	//     auth:
	//       scheme: plain
	//       name: app
	//       pass: secret
	// loop: true
	// remove: true
	// headers:
	//   delete: [message-id]
	//   set:
	//     x-relay: bricks
}
