// Package apps holds canned trees built from the bricks — the message
// transfer agent in every combination — and links every actor kind, so that
// a program importing apps can run any tree file.
//
// # The transfer app
//
// A node with `app: transfer` in a tree file is a message transfer agent
// (what stompclt and amqpclt do, as a supervision subtree). The loader
// expands it into a rest_for_one supervisor with the right stages, so
// `bricks check` reports problems at the app's own file:line:col and
// `bricks tree` / `bricks check --print` show the expanded tree. Several
// apps can live in one file, as children of a supervisor:
//
//	name: mta
//	children:
//	  - name: outbox                  # queue -> broker (the "sender")
//	    app: transfer
//	    from:
//	      queue: {path: /var/spool/bricks/out, type: dqs}
//	    to:
//	      broker:                     # stomp://, stomp+ssl://, failover:(stomp://...) -> stomp.sender
//	        uri: stomp://broker.example.org:61613   # amqp://, amqps:// -> amqp.sender
//	        destination: /queue/orders
//	        auth: {scheme: plain, name: bricks, pass_file: /etc/bricks/pass}
//	    window: 100                   # most messages in flight at the sink (unconfirmed)
//	    remove: true                  # remove confirmed elements (false: unlock them)
//	    loop: true                    # keep polling the emptied queue (false: end when drained)
//	    headers:                      # declarative rewrite (headers.rewrite)
//	      delete: [message-id, timestamp, expires]
//	      copy: {original-destination: destination}
//	      default: {persistent: "true"}
//	      set: {x-relay: bricks}
//	      template: {subject: "$${type}/$${id}"}   # ${header}; $$ because ${VAR} is the environment
//	    purge: {interval: 5m, maxlock: 10m, maxtemp: 5m}
//	    timeouts: {connect: 10s, shutdown: 30s}
//	  - name: inbox                   # broker -> queue (the "receiver")
//	    app: transfer
//	    from:
//	      broker: {uri: "amqps://broker.example.org:5671", destination: orders}
//	    to:
//	      queue: {path: /var/spool/bricks/in}
//	    prefetch: 100
//
// Keys of a transfer node:
//
//   - name (required), app: transfer.
//   - from, to (required): `queue: {...}` or `broker: {...}`. The mapping is
//     the `with:` of the stage at that end — queue.reader / queue.writer for
//     a queue (path, type, poll...), stomp.receiver / stomp.sender or
//     amqp.receiver / amqp.sender for a broker (uri, destination, auth,
//     tls, heartbeat, selector...), see `bricks kinds`. The protocol comes
//     from the URI scheme. All four combinations work: queue→queue,
//     queue→broker, broker→queue, broker→broker. A `udp://host:port`
//     destination is stompclt's UDP output (udp.sender, package
//     brokers/udp): one datagram per message, no delivery guarantee.
//   - from.broker.all-addresses: true — consumer scaling for brokers behind
//     one DNS name: the host is resolved when the tree is loaded and every
//     address gets a pipeline of its own (addresses.go); count is refused
//     there (it could not be shared), duration and inactivity apply to each.
//   - count: N — end normally after N messages were confirmed.
//   - duration: D — after D take nothing new, drain what is in flight, end.
//   - loop (queue source, default true): false ends the transfer once the
//     queue is drained. (stompclt's default is the opposite: bricks is
//     meant to run as a service.)
//   - remove (queue source, default true), window (default 100: the
//     sink's unconfirmed messages; a queue source feeding a broker reads
//     twice that ahead so the broker's window stays full, unless
//     from.queue.window says otherwise), prefetch (broker source).
//   - reliable (default true): false lets a broker source use ack: auto.
//     Sinks always confirm (RECEIPT, accepted disposition, completed add)
//     and sources act only on a confirmation: at-least-once, never a loss.
//   - headers: rules of the headers.rewrite stage (see HeaderRules). (A
//     `headers:` inside from.broker is something else: extra SUBSCRIBE
//     headers of stomp.receiver.)
//   - hook: KIND — a middle stage of a kind registered with RegisterHook
//     (or any kind taking `to:` and relaying answers), for what rules
//     cannot say; it sees messages after the header rules.
//   - purge: {interval, maxlock, maxtemp} — housekeeping of each queue end
//     (queue.purger, on by default with dirq's limits), so elements locked
//     by a killed predecessor are sent again after maxlock; false: none.
//   - pidfile: PATH — hold a pid file (process.pidfile); the transfer
//     refuses to start while a live process holds it.
//   - timeouts: {connect, shutdown, inactivity} — broker connect timeout;
//     how long each stage may take to stop (every step of a stop is
//     bounded); end the transfer once no message came for this long
//     (stompclt's --timeout-inactivity).
//   - restart, shutdown, intensity (default 10), period (default 1m),
//     backoff (default {min: 500ms, max: 30s}), cooldown: the supervisor
//     flags of the expanded node. Where stompclt exits on a broker error,
//     the failed part restarts in-process with backoff.
//
// A transfer with count, duration, timeouts.inactivity or loop: false is
// finite: it is expanded
// transient and significant, with auto_shutdown: any_significant, so it
// ends normally when its work is done; a supervisor holding significant
// children ends once all of them did (auto_shutdown: all_significant by
// default), and when the root ends, `bricks run` exits 0.
//
// # Statistics
//
// Every transfer has a transfer.stats stage just before its sink. It
// counts what the sink confirmed (messages, bytes, rejected; rate once
// there is a time span) and logs one line "transfer statistics" on SIGUSR1
// and "transfer statistics at exit" when it stops. TransferStatistics
// reads the totals from Go.
//
// # Running under systemd
//
// bricks does not daemonize: run it in the foreground (Type=simple) and let
// systemd do what stompclt's --daemon did — logs go to stderr (the
// journal), SIGTERM stops the tree gracefully, `bricks run --pidfile` writes
// a pid file for tools that want one:
//
//	[Service]
//	ExecStart=/usr/local/bin/bricks run --pidfile /run/bricks/mta.pid /etc/bricks/mta.yaml
//	ExecReload=/bin/kill -HUP $MAINPID
//	KillSignal=SIGTERM
//	Restart=on-failure
//
// The expanded child order and the reason for it are written in build.go.
// `bricks tree` marks an expanded node "app transfer".
//
// # Stopping
//
// A stop (SIGTERM, or the end of a finite transfer) stops the stages in
// reverse order, each within its shutdown: the source first, so nothing
// new enters; it releases what it still had in flight (unlocks queue
// elements, leaves broker messages unacknowledged), which is offered again
// by the next run — at-least-once, duplicates possible, never a loss. The
// duration and inactivity limits drain instead: the stats stage stops
// passing messages on, waits for the answers of what is in flight, and
// only then ends the transfer.
package apps
