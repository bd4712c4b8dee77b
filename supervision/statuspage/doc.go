// Package statuspage shows a running supervision tree over HTTP: the live
// counterpart of `bricks tree`, for what Erlang's observer or RabbitMQ's
// management page show their users.
//
//	h := statuspage.New(running, tree)
//	http.ListenAndServe("127.0.0.1:8080", h)
//
// or, from the command line, `bricks run TREE.yaml --http 127.0.0.1:8080`.
// The handler serves, relative to where it is mounted:
//
//	/              an HTML page: the tree indented, each node with its strategy
//	               or kind, restart type, live state, restart count, last
//	               failure and message-flow (to:) links; it refreshes itself
//	               from status.json every 2 seconds, without reloading
//	/status.json   the snapshot below
//	/tree.txt      `bricks tree --format text`, each line ending in its live
//	/tree.dot      state ("[running, 2 restarts]"); in DOT and Mermaid the
//	/tree.mermaid  state is a last label line and the node's fill colour
//	/metrics       Prometheus text format (see Handler.Register)
//
// Configurations are shown as in the tree file, secrets redacted
// (actors.Redact). The structure is the running one: children added with
// StartChild appear, with what the snapshot knows of them.
//
// # status.json
//
// The field names are stable; new fields may be added.
//
//	{
//	  "tree":    "sender",              root node's name
//	  "file":    "/etc/bricks/sender.yaml", tree file ("" when built in Go)
//	  "time":    "2026-11-25T12:00:00Z", when the snapshot was taken (RFC 3339)
//	  "running": true,                  false once the tree has ended
//	  "nodes": [                        depth first, parents before children
//	    {
//	      "path":        "sender/reader",   unique; parent path + "/" + name
//	      "name":        "reader",
//	      "depth":       1,                 0 for the root
//	      "supervisor":  false,
//	      "kind":        "queue.reader",    "" for a supervisor
//	      "app":         "",                the app (transfer) the node was expanded from, if any
//	      "strategy":    "",                one_for_one, one_for_all or rest_for_one for a supervisor
//	      "restart":     "permanent",       permanent, transient or temporary
//	      "summary":     "queue.reader, permanent, shutdown 5s", as `bricks tree` labels it
//	      "config":      "{path: /var/spool/out, to: broker}", `with:` on one line, secrets redacted
//	      "flow":        [{"field": "to", "to": "sender/broker"}], message-flow links, by path
//	      "state":       "running",         starting, running, stopping or stopped
//	      "restarts":    2,                 restarts since the tree started
//	      "pid":         "bricks/...",      actor id, "" when not running
//	      "last_reason": "crashed"          reason of the last abnormal exit, "" if none
//	    }
//	  ]
//	}
//
// # Metrics
//
// The handler has its own Prometheus registry (never the global one) with,
// per node (labels path and kind, kind "supervisor" for supervisors):
//
//	bricks_node_restarts_total   counter, restarts since the tree started
//	bricks_node_state            1 for the node's current state, 0 for the
//	                             others (label state: starting, running,
//	                             stopping, stopped)
//	bricks_tree_running          1 while the tree runs
//
// Other packages add their own with Register (any collector, e.g. a
// prometheus.GaugeFunc) or AddKindMetrics (one value per running node of a
// kind, read at scrape time).
package statuspage
