// Package supervision runs trees of actors with the semantics of Erlang/OTP
// supervisors, on top of protoactor-go.
//
// A tree file names the bricks of an application and who watches whom:
//
//	name: sender
//	strategy: rest_for_one     # one_for_one | one_for_all | rest_for_one
//	intensity: 5               # at most 5 restarts ...
//	period: 10s                # ... within 10s, else this supervisor gives up
//	children:
//	  - name: connection
//	    kind: stomp.connection
//	    with: {uri: "stomp://localhost:61613"}
//	  - name: reader
//	    kind: queue.reader
//	    restart: permanent     # permanent | transient | temporary
//	    shutdown: 5s           # a duration, brutal_kill or infinity
//	    watchdog: 1m           # failed when it reports no progress for 1m
//	    with: {path: /var/spool/out, to: connection}
//
// Load reads and checks it (every problem at once, as file:line:col), and
// Start runs it:
//
//	tree, err := supervision.Load("sender.yaml")
//	...
//	running, err := supervision.Start(ctx, tree, supervision.WithLogger(logger))
//	...
//	defer running.Stop(context.Background())
//	err = running.Wait() // non-nil when the root gave up, saying why
//
// # What a supervisor guarantees
//
// Children start in list order, each ready before the next: a kind with
// Kind.SignalsReady is ready when it calls actors.SignalReady, any other
// once it has handled actor.Started (which runs synchronously in the
// supervisor, like an OTP init: keep it short and start blocking work with
// actors.Go). A child that fails to start aborts its supervisor's start; the
// children already started are stopped again in reverse order.
//
// They stop in reverse order, each within its shutdown; a child still
// running after it is killed (actors.Killer) and a ShutdownOverrun event
// names it. brutal_kill kills at once and does not wait.
//
// When a child ends, its restart type decides (permanent: always restarted;
// transient: after an abnormal exit or a panic; temporary: never), then the
// strategy: one_for_one restarts the child, one_for_all stops the others in
// reverse order and starts them all again, rest_for_one does so for the
// children declared after it. A restarted child is a new actor with a new
// PID and an empty mailbox; siblings find it through actors.Env.Sibling.
// actors.StopNormal ends a child normally; actors.Fail, a failing goroutine,
// a failed start and a watchdog end it abnormally.
//
// More than intensity restarts within period make the supervisor stop its
// children and fail to its own supervisor, up to the root, whose failure
// ends the tree (Wait returns an *IntensityError naming the child that
// exhausted which intensity). With a cooldown, a supervisor that gave up
// starts its children again after the cool-down instead; with a backoff,
// restarts in a row of one child are spaced out.
//
// A running tree can be changed: StartChild, TerminateChild, RestartChild,
// DeleteChild, and Apply, which brings the tree in line with a reloaded file.
//
// A tree may also be built in Go (see ExampleStart). Load fills in the OTP
// defaults; a Node built by hand gets exactly what it says: Intensity 0
// means no restart is allowed at all, a zero Period means DefaultPeriod, a
// zero Shutdown means 5s for a worker and infinity for a supervisor.
//
// Every happening is an Event (ChildStarted, ChildExited, ChildRestarted,
// IntensityExceeded, ShutdownOverrun, ...) given to the WithEventHook
// function and logged as one structured line.
package supervision
