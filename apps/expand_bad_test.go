package apps

// badApps are app nodes with one problem each, and the error the loader
// must report for it, located in the app file.
var badApps = []struct{ name, yaml, want string }{
	{"unknown key", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
cont: 5
`, "app.yaml:5:1: cont: unknown key, did you mean count?"},
	{"missing to", `name: t
app: transfer
from: {queue: {path: /a}}
`, "app.yaml:1:1: to: required field missing"},
	{"missing name", `app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
`, "app.yaml:1:1: name: required field missing"},
	{"queue and broker", `name: t
app: transfer
from: {queue: {path: /a}, broker: {uri: "stomp://h:1"}}
to: {queue: {path: /b}}
`, "app.yaml:3:27: from.broker: from takes queue or broker, not both"},
	{"unknown scheme", `name: t
app: transfer
from: {queue: {path: /a}}
to:
  broker: {uri: "http://h:1", destination: /queue/x}
`, `app.yaml:5:17: to.broker.uri: cannot tell the protocol of "http://h:1"`},
	{"loop inside the queue source", `name: t
app: transfer
from: {queue: {path: /a, loop: false}}
to: {queue: {path: /b}}
`, "app.yaml:3:32: from.queue.loop: loop is a transfer option: write it beside from: and to:, not inside from"},
	{"loop with broker source", `name: t
app: transfer
from: {broker: {uri: "stomp://h:1", destination: /queue/x}}
to: {queue: {path: /b}}
loop: false
`, "app.yaml:5:1: loop: loop needs from: {queue: ...}"},
	{"prefetch with queue source", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
prefetch: 5
`, "app.yaml:5:1: prefetch: prefetch needs from: {broker: ...}"},
	{"all-addresses on a destination", `name: t
app: transfer
from: {queue: {path: /a}}
to: {broker: {uri: "stomp://h:1", destination: /queue/x, all-addresses: true}}
`, "app.yaml:4:58: to.broker.all-addresses: only a broker source"},
	{"all-addresses with a failover list", `name: t
app: transfer
from: {broker: {uri: "failover:(stomp://h:1,stomp://g:1)", destination: /queue/x, all-addresses: true}}
to: {queue: {path: /b}}
`, "app.yaml:3:22: from.broker.uri: all-addresses needs one broker URI, not a failover list"},
	{"all-addresses not a bool", `name: t
app: transfer
from: {broker: {uri: "stomp://h:1", destination: /queue/x, all-addresses: maybe}}
to: {queue: {path: /b}}
`, `app.yaml:3:75: from.broker.all-addresses: want true or false, got "maybe"`},
	{"all-addresses with count", `name: t
app: transfer
from: {broker: {uri: "stomp://127.0.0.1:1", destination: /queue/x, all-addresses: true}}
to: {queue: {path: /b}}
count: 5
`, "app.yaml:5:1: count: count cannot be shared between the pipelines of from.broker.all-addresses"},
	{"udp source", `name: t
app: transfer
from: {broker: {uri: "udp://h:1"}}
to: {queue: {path: /b}}
`, "app.yaml:3:22: from.broker.uri: udp:// is a destination only"},
	{"negative count", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
count: -1
`, "app.yaml:5:8: count: must be at least 0, got -1"},
	{"duration without unit", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
duration: 5
`, "app.yaml:5:11: duration:"},
	{"queue without path", `name: t
app: transfer
from: {queue: {type: dqs}}
to: {queue: {path: /b}}
`, "app.yaml:3:15: from.queue.path: required field missing"},
	{"same queue", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /a}}
`, "app.yaml:4:20: to.queue.path: a transfer cannot write to the queue it reads (/a)"},
	{"bad sender field", `name: t
app: transfer
from: {queue: {path: /a}}
to:
  broker:
    uri: stomp://h:1
    windw: 3
`, "app.yaml:7:5: to.broker.windw: unknown key, did you mean window?"},
	{"bad template", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
headers:
  template: {x: "$${oops"}
`, "app.yaml:6:3: headers: template.x: unclosed ${"},
	{"window twice", `name: t
app: transfer
from: {queue: {path: /a, window: 3}}
to: {queue: {path: /b}}
window: 5
`, "app.yaml:5:1: window: given twice: here and as from.queue.window"},
	{"unreliable amqp", `name: t
app: transfer
from: {broker: {uri: "amqp://h:1", destination: x}}
to: {queue: {path: /b}}
reliable: false
`, "app.yaml:5:1: reliable: reliable: false needs a STOMP source"},
	{"unknown hook kind", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
hook: nosuch.kind
`, `app.yaml:5:7: hook: unknown kind "nosuch.kind"`},
	{"to in endpoint", `name: t
app: transfer
from: {queue: {path: /a, to: x}}
to: {queue: {path: /b}}
`, "app.yaml:3:26: from.queue.to: set by the transfer"},
	{"bad timeouts", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
timeouts: {conect: 5s}
`, "app.yaml:5:12: timeouts.conect: unknown key, did you mean connect?"},
	{"bad purge", `name: t
app: transfer
from: {queue: {path: /a}}
to: {queue: {path: /b}}
purge: {maxlock: soon}
`, "app.yaml:5:18: purge.maxlock: bad duration"},
}
