package internal

import (
	_ "github.com/Azure/go-amqp"
	_ "github.com/go-stomp/stomp/v3"
	_ "github.com/go-stomp/stomp/v3/frame"
	_ "github.com/spf13/cobra"
	_ "go.uber.org/goleak"
	_ "golang.org/x/sys/unix"
	_ "gopkg.in/yaml.v3"
)
