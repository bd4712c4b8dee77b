package main

// The `command` kind (external programs), which trees converted by
// `bricks import simplevisor` use.
import _ "github.com/bricksmq/bricks/command"
