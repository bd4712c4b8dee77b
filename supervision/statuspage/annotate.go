package statuspage

import (
	"fmt"
	"strings"

	"github.com/bricksmq/bricks/supervision"
)

// fills are the node colours by state, in DOT, Mermaid and the page alike.
var fills = map[string]string{
	string(supervision.StateStarting): "#fff3b0",
	string(supervision.StateRunning):  "#c8f7c5",
	string(supervision.StateStopping): "#ffd8a8",
	string(supervision.StateStopped):  "#e0e0e0",
}

// annotate draws a node's live state in the supervision renderers.
func (v *live) annotate(path string, _ *supervision.Node) supervision.Annotation {
	st := v.status[path]
	state := v.state(path)
	return supervision.Annotation{Text: describe(state, st.Restarts, st.LastReason), Fill: fills[state]}
}

// describe says a node's state in a few words: "running, 2 restarts, last
// failure: connection refused".
func describe(state string, restarts int, reason string) string {
	s := state
	switch restarts {
	case 0:
	case 1:
		s += ", 1 restart"
	default:
		s += fmt.Sprintf(", %d restarts", restarts)
	}
	if reason != "" {
		s += ", last failure: " + headline(reason)
	}
	return s
}

// headline is the first line of a reason (a panic carries its stack),
// shortened to fit a drawing.
func headline(reason string) string {
	const limit = 80
	if i := strings.IndexByte(reason, '\n'); i >= 0 {
		reason = reason[:i]
	}
	if r := []rune(reason); len(r) > limit {
		reason = string(r[:limit-1]) + "…"
	}
	return reason
}
