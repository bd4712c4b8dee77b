package actors_test

import (
	"fmt"
	"strings"

	"github.com/bricksmq/bricks/actors"
)

func ExampleSubstitute() {
	upper := func(expr string) (string, error) { return strings.ToUpper(expr), nil }
	s, err := actors.Substitute("${a} costs $$5, $b stays, ${bc}", upper)
	fmt.Println(s, err)
	_, err = actors.Substitute("${open", upper)
	fmt.Println(err)
	// Output:
	// A costs $5, $b stays, BC <nil>
	// unclosed ${ in "${open"
}
