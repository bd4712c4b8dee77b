package actors_test

import (
	"fmt"
	"time"

	"github.com/bricksmq/bricks/actors"
	"gopkg.in/yaml.v3"
)

// Decode checks a `with:` block against a kind's Spec: typed values come
// back with defaults filled in, and every problem is reported at once.
func ExampleDecode() {
	spec := actors.NewSpec().
		Field(actors.String("path").Required()).
		Field(actors.Duration("interval").Default(time.Second)).
		Field(actors.String("mode").Enum("fast", "safe").Default("safe"))

	var good yaml.Node
	_ = yaml.Unmarshal([]byte("path: /var/spool/in\n"), &good)
	cfg, err := actors.Decode("tree.yaml", &good, spec, actors.DecodeOptions{Path: "with"})
	fmt.Println(cfg.String("path"), cfg.Duration("interval"), cfg.String("mode"), err)

	var bad yaml.Node
	_ = yaml.Unmarshal([]byte("interval: 10\nmode: turbo\n"), &bad)
	_, err = actors.Decode("tree.yaml", &bad, spec, actors.DecodeOptions{Path: "with"})
	fmt.Println(err)
	// Output:
	// /var/spool/in 1s safe <nil>
	// tree.yaml:1:1: with.path: required field missing (string)
	// tree.yaml:1:11: with.interval: bad duration "10" (want a number with a unit, e.g. 500ms, 10s, 2m)
	// tree.yaml:2:7: with.mode: unknown value "turbo" (want fast, safe)
}
