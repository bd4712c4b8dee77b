// Package legacy converts the configuration files of the programs bricks
// replaces into bricks trees: python-simplevisor today, stompclt later.
//
// Each converter is a [Format] that `bricks import NAME FILE` runs: it reads
// the file with package confgen (Config::General syntax), prints the tree
// YAML, and reports on stderr, as file:line: message, everything it could
// not carry over or carried over with a change of meaning. The tree is
// printed whenever at least one supervised program could be converted, so
// that an operator gets as much as possible and a list of what to look at;
// only when nothing could be converted (unreadable file, syntax error, no
// convertible entry) is there no tree and an error, which `bricks import`
// turns into exit status 1. Every tree printed loads with
// supervision.LoadBytes: converters check their output before returning it.
//
// # simplevisor
//
// An <entry type=supervisor> becomes a supervisor node, an <entry
// type=service> a worker of the `command` kind in its non-intrusive mode
// (package command documents both). In detail:
//
//	simplevisor                         bricks tree
//	<entry> type = supervisor           node with children:
//	  name (default "supervisor")       name (characters outside A-Z a-z 0-9 _ . - become _)
//	  strategy                          strategy (same three names)
//	  adjustments (3), window (12)      intensity: adjustments; period: window × interval
//	  max_restarts, max_time            intensity: max_restarts; period: max_time seconds (keys of
//	                                    early versions and of the shipped example; reported)
//	  expected running|stopped          forced onto every service below, as simplevisor does
//	<entry> type = service              kind: command
//	  start, stop, status, control      with: start, stop, status, control (split on blanks,
//	                                    %XX unquoted, as simplevisor does)
//	  pattern, path                     with: pattern, path
//	  expected                          with: expected (written when stopped)
//	  timeout (60)                      with: timeout, and ready_timeout (simplevisor's "careful"
//	                                    wait); node shutdown: 2 × timeout (a stop command,
//	                                    then the wait for status to confirm)
//	  logname                           not converted (reported)
//	  restart = stop+start              nothing: a bricks restart is stop then start
//	  restart = OTHER COMMAND           not converted (reported)
//	  daemon = PIDFILE                  with: run: START (bricks owns the foreground
//	                                    program, no pid file; reported)
//	<simplevisor> interval (60)         with: interval of every service, and the period
//	<simplevisor> store, pidfile, log…  not converted (program options, reported)
//	var_NAME = value, ${var_NAME}       expanded while reading (Config::General scoping)
//
// A root <entry> that is a service is put under a supervisor named
// "simplevisor" with simplevisor's default window and adjustments.
//
// simplevisor refuses a whole configuration with one bad entry; the
// converter instead reports the entry (missing name or start, conflicting
// keys, bad values, duplicate names, unknown keys...) with its file:line and
// leaves it out, along with a supervisor left without any child. Keys it
// does not know are reported and ignored.
//
// # Adding a format (stompclt)
//
// A converter is a file of this package registering a [Format] from init;
// `bricks import` makes a subcommand of every registered format, so
// cmd/bricks needs no change. For stompclt: read the file with
// confgen.ParseFile(path, confgen.StompcltOptions()) (no variables, no C
// comments, no glob includes), drop the optional <stompclt> wrapper block, and call confgen.Unfold(root,
// "-") so that `outgoing-broker-uri`, <outgoing-broker> uri and
// <outgoing><broker> uri all read as outgoing → broker → uri (confgen's
// tests cover every spelling of mta.md §6 on two stompclt configurations);
// booleans go through confgen.ParseBool. Build the tree with the helpers of
// yaml.go, check it with loadGenerated, and report what is left out as
// [Problem]s.
package legacy
