package legacy_test

import (
	"fmt"
	"os"

	"github.com/bricksmq/bricks/internal/legacy"
)

func ExampleConvertSimplevisorBytes() {
	conf := `<simplevisor>
    interval = 30
</simplevisor>
<entry>
    type = supervisor
    name = web
    window = 10
    adjustments = 2
    <children>
        <entry>
            type = service
            name = httpd
            control = /etc/init.d/httpd
            restart = /etc/init.d/httpd graceful
        </entry>
    </children>
</entry>
`
	res, err := legacy.ConvertSimplevisorBytes("simplevisor.conf", []byte(conf))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Problems {
		fmt.Println(p)
	}
	os.Stdout.Write(res.Tree)
	// Output:
	// simplevisor.conf:14: service "httpd": restart = /etc/init.d/httpd graceful not converted: a bricks restart is always stop, then start
	// # bricks tree converted by `bricks import simplevisor` from simplevisor.conf;
	// # comments give the file:line of each simplevisor entry.
	//
	// name: web # simplevisor.conf:4
	// strategy: one_for_one
	// intensity: 2 # adjustments 2
	// period: 5m # window 10 x interval 30s
	// children:
	//   - name: httpd # simplevisor.conf:10
	//     kind: command
	//     shutdown: 2m
	//     with:
	//       control: [/etc/init.d/httpd]
	//       interval: 30s
	//       ready_timeout: 1m
}
