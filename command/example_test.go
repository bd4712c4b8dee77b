package command_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bricksmq/bricks/command"
)

// Run a status command and read its exit code the LSB way.
func ExampleRun() {
	st, err := command.Run(context.Background(), []string{"sh", "-c", "exit 3"}, command.Options{}, 10*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st, "→", command.LSBState(st))
	// Output: exit status 3 → stopped
}

// Start a program in its own process group and log its output line by line.
func ExampleStart() {
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "pid" {
				return slog.Attr{} // vary from run to run
			}
			return a
		},
	}))
	p, err := command.Start([]string{"sh", "-c", "echo hello; echo oops >&2; exit 2"}, command.Options{Logger: log})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := p.Wait()
	fmt.Println(st, st.Success())
	// Unordered output:
	// level=INFO msg=hello stream=stdout
	// level=INFO msg=oops stream=stderr
	// exit status 2 false
}
