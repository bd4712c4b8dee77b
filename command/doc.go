// Package command is the `command` actor kind: external programs supervised
// by a bricks tree, the job python-simplevisor does, with the tree's Erlang/OTP
// semantics.
//
// A command node runs in one of two modes, chosen by the keys under `with:`.
//
// # Owned process (OTP mode): `run`
//
// The tree starts the program and owns it, like an Erlang port:
//
//	children:
//	- name: web
//	  kind: command
//	  restart: transient          # restarted only after an abnormal exit
//	  shutdown: 10s               # SIGTERM, then SIGKILL after 10s
//	  with:
//	    run: [/usr/sbin/nginx, -g, "daemon off;"]
//	    env: {LANG: C}
//	    cwd: /var/www
//	    ready: [curl, -sf, "http://127.0.0.1:8080/"]   # optional
//	    ready_timeout: 10s
//
// The program runs in its own process group with stdin from /dev/null; every
// line it prints on stdout or stderr becomes one log record of the node
// (tagged with the node path, stream=stdout|stderr and the pid, at INFO unless
// `output_level` says otherwise). Each line also counts as progress for the
// node's `watchdog`: with `watchdog: 1m`, a program silent for a minute is
// failed and restarted. When it exits:
//
//   - exit status 0 is a normal exit of the node: a transient or temporary
//     node is not restarted, a permanent one is;
//   - a non-zero status or death by a signal is an abnormal exit (reason
//     *ExitError), which the supervisor handles with its strategy and
//     intensity.
//
// Whatever the program left running in its process group dies with it
// (SIGKILL), so nothing outlives the node. With `ready`, the check command is
// run every `ready_interval` until it exits 0; only then does the node count
// as started and its next sibling start. A check still failing after
// `ready_timeout` fails the start.
//
// Stopping the node (tree shutdown, or a restart decided by the supervisor)
// sends `stop_signal` (TERM) to the whole group and waits for the program to
// end. When it overruns the node's `shutdown`, the supervisor calls Kill,
// which sends SIGKILL to the group.
//
// # Self-managed daemon (simplevisor mode): `start`, `stop`, `status`
//
// The daemon manages itself and keeps working without bricks ("non
// intrusive"); the node only runs its commands and reads their exit codes:
//
//	children:
//	- name: httpd
//	  kind: command
//	  with:
//	    start:  [/etc/init.d/httpd, start]   # or control: [/etc/init.d/httpd]
//	    stop:   [/etc/init.d/httpd, stop]
//	    status: [/etc/init.d/httpd, status]
//	    expected: running                    # or stopped
//	    interval: 30s                        # status-check period
//	    timeout: 60s                         # limit for each command
//
// `status` follows the LSB convention: exit 0 running, 3 stopped, anything
// else (or a timeout) "dirty". Without status and stop commands, `pattern`
// (a regular expression; by default the start command itself, as in
// simplevisor) is looked for in the command lines of the process table: a
// match is running, none stopped, and stopping sends SIGTERM to the matches,
// then SIGKILL to those still there after `timeout`. When the node starts it adjusts the service as
// simplevisor's cond_adjust does, then waits (its "careful" mode, polling
// every `ready_interval` for at most `ready_timeout`) until status confirms:
//
//	status   | expected running       | expected stopped
//	---------+------------------------+-----------------
//	running  | nothing                | stop
//	stopped  | start                  | nothing
//	dirty    | stop, then start       | stop
//
// Then it runs `status` every `interval` (from the end of one check to the
// start of the next; each check counts as progress for a `watchdog`, which
// must then be longer than `interval`). A status that disagrees with `expected` fails the node
// (reason *StateError); the supervisor restarts it, and the restart is
// simplevisor's adjustment: the stopping incarnation runs `stop`, the new one
// adjusts as above. A start or stop command that exits non-zero fails the
// node too. Stopping the node runs `stop` and waits until status no longer
// says running; a node without `stop` (or expected stopped) leaves the daemon
// alone. Kill aborts a hung stop command.
//
// # simplevisor's window and adjustments as intensity and period
//
// simplevisor marks a supervisor failed when more than `adjustments` of its
// last `window` cycles needed an adjustment; a cycle lasts `interval`. In a
// bricks tree every failed status check is one restart, and a supervisor
// fails when it makes more than `intensity` restarts within `period`. So:
//
//	intensity = adjustments
//	period    = window × interval
//
// Worked example: simplevisor's defaults (window 12, adjustments 3) with
// `interval = 60` tolerate 3 adjusted cycles in 12 cycles, about 12 minutes:
//
//	name: services
//	strategy: one_for_one
//	intensity: 3        # adjustments
//	period: 12m         # window 12 × interval 60s
//	children:
//	  - name: httpd
//	    kind: command
//	    with: {control: [/etc/init.d/httpd], interval: 60s}
//
// httpd dies at 10:00, 10:03 and 10:05: each status check fails the node,
// which is restarted (3 restarts within 12m: tolerated, as simplevisor
// tolerates 3 adjusted cycles). A fourth death at 10:08 is the 4th restart
// within 12 minutes: the `services` supervisor gives up, stops its children
// (running httpd's `stop`) and fails to its parent, as a simplevisor
// supervisor does. At 10:13 the 10:00 restart has left the period, so a
// death then is only the 3rd within 12m and is tolerated again.
//
// The mapping is exact for a supervisor whose children are checked on the
// same interval and fail one at a time. Two services found down in the same
// simplevisor cycle count as one adjusted cycle but as two restarts here,
// and bricks detects a failure when it happens instead of on a shared cycle,
// so give such a supervisor a proportionally larger intensity.
//
// # Differences from simplevisor
//
// Not supported: `daemon` (the simplevisor-loop wrapper; use `run`, which
// owns a foreground program directly), a custom `restart` command (a restart is
// always stop then start), and URL-unquoting of commands (commands are YAML
// lists, so arguments may contain spaces). `path` replaces PATH in the
// inherited environment instead of being the only variable. The output of
// start, stop and status is logged at DEBUG, as simplevisor does.
package command
