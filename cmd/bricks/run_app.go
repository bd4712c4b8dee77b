package main

import (
	"github.com/bricksmq/bricks/apps"
	"github.com/spf13/cobra"
)

// `bricks run --pidfile`: stompclt's --pidfile for a whole run. bricks does
// not daemonize; under systemd run it in the foreground (see package apps).

var runPidfile string

func init() {
	runCmd.Flags().StringVar(&runPidfile, "pidfile", "",
		"hold this pid file while running (removed at exit); refuse to start while a live process holds it")
	inner := runCmd.RunE
	runCmd.RunE = func(cmd *cobra.Command, args []string) error {
		if runPidfile == "" {
			return inner(cmd, args)
		}
		p, err := apps.AcquirePidfile(runPidfile)
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		defer func() { _ = p.Release() }()
		return inner(cmd, args)
	}
}
