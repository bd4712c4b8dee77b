package confgen_test

import (
	"fmt"

	"github.com/bricksmq/bricks/internal/confgen"
)

func ExampleParse() {
	conf := `var_bin = /usr/sbin
<entry>
    type = service
    name = httpd
    start = $var_bin/httpd -k start   # comment
</entry>
`
	root, err := confgen.Parse("simplevisor.conf", []byte(conf), &confgen.Options{InterpolateVars: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	entry := root.First("entry")
	start := entry.First("start")
	fmt.Printf("%s: %s = %q\n", start.Pos, start.Key, start.Value)

	_, err = confgen.Parse("bad.conf", []byte("<entry>\n  name = x\n"), nil)
	fmt.Println(err)
	// Output:
	// simplevisor.conf:5: start = "/usr/sbin/httpd -k start"
	// bad.conf:1: <entry> is never closed (want </entry>)
}

func ExampleUnfold() {
	root, _ := confgen.Parse("stompclt.conf", []byte("outgoing-broker-uri = stomp://localhost:61613\n<outgoing-broker>\n  auth = none\n</outgoing-broker>\n"), nil)
	broker := confgen.Unfold(root, "-").First("outgoing").First("broker")
	for _, opt := range broker.Children {
		fmt.Printf("%s = %s (%s)\n", opt.Key, opt.Value, opt.Pos)
	}
	// Output:
	// uri = stomp://localhost:61613 (stompclt.conf:1)
	// auth = none (stompclt.conf:3)
}
