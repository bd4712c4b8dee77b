// Command bricks runs, checks and inspects bricks supervision trees and works
// with directory queues and brokers from the shell.
package main

import (
	"os"
)

func main() {
	tuneGC()
	os.Exit(execute())
}
