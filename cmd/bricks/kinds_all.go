package main

// Link every actor kind of the project, so any tree file can be run, checked
// and drawn.
import _ "github.com/bricksmq/bricks/apps"
