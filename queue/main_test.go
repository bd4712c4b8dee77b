package queue

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// helperEnv makes the test binary act as a producer or consumer process
// for the multi-process test instead of running tests; its value is the
// helper's arguments separated by \x1f.
const helperEnv = "BRICKS_QUEUE_HELPER"

func TestMain(m *testing.M) {
	if args := os.Getenv(helperEnv); args != "" {
		if err := runHelper(strings.Split(args, "\x1f")); err != nil {
			fmt.Fprintln(os.Stderr, "queue helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
