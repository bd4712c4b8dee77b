package apps

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// The headers.rewrite kind replaces stompclt's Perl callback code for the
// common case — rewriting headers — with declarative rules. It is a middle
// stage: Deliver in, rewritten Deliver out to `to:`, answers relayed back.

const headersKind = "headers.rewrite"

func init() {
	actors.Register(actors.Kind{
		Name:    headersKind,
		Summary: "rewrites message headers by declarative rules (delete, copy, default, set, template) and passes messages on",
		Spec: actors.NewSpec().
			Field(actors.Sibling("to").Required().Description("sibling stage the rewritten messages are delivered to")).
			Field(actors.StringList("delete").Description("headers to remove").Example([]string{"message-id", "timestamp", "expires"})).
			Field(actors.StringMap("copy").Description("new header: header it copies (absent source: nothing copied)").Example(map[string]string{"original-destination": "destination"})).
			Field(actors.StringMap("default").Description("header: value set only when the header is absent after delete and copy").Example(map[string]string{"persistent": "true"})).
			Field(actors.StringMap("set").Description("header: value, always set").Example(map[string]string{"x-relay": "bricks"})).
			Field(actors.StringMap("template").Description("header: text where ${name} is the incoming value of header name (empty when absent) and $$ a $; in a tree file write $${name}, as ${VAR} is the environment").Example(map[string]string{"subject": "$${type}/$${id}"})),
		Validate: func(cfg *actors.Config) error {
			_, err := rulesFrom(cfg)
			return err
		},
		New: func(cfg *actors.Config) (actor.Actor, error) {
			rules, err := rulesFrom(cfg)
			if err != nil {
				return nil, err
			}
			return &rewriter{relay: newRelay(cfg), rules: rules}, nil
		},
	})
}

// HeaderRules rewrite a message's headers. Every value read — a copy's
// source, a template's ${name} — is read from the headers as the message
// arrived; the writes then apply in this order: Delete, Copy, Default, Set,
// Template. So a rename is Copy {new: old} plus Delete [old], whatever the
// order the YAML lists them in.
type HeaderRules struct {
	Delete   []string
	Copy     map[string]string // new name -> source name
	Default  map[string]string
	Set      map[string]string
	Template map[string]string // name -> text with ${header}
}

func rulesFrom(cfg *actors.Config) (*HeaderRules, error) {
	r := &HeaderRules{}
	if cfg.Has("delete") {
		r.Delete = cfg.Strings("delete")
	}
	if cfg.Has("copy") {
		r.Copy = cfg.StringMap("copy")
	}
	if cfg.Has("default") {
		r.Default = cfg.StringMap("default")
	}
	if cfg.Has("set") {
		r.Set = cfg.StringMap("set")
	}
	if cfg.Has("template") {
		r.Template = cfg.StringMap("template")
	}
	return r, r.Check()
}

// Check reports malformed templates, naming the header.
func (r *HeaderRules) Check() error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.Template)) {
		if _, err := expandTemplate(r.Template[name], nil); err != nil {
			errs = append(errs, fmt.Errorf("template.%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Apply returns the rewritten headers; in is not modified.
func (r *HeaderRules) Apply(in map[string]string) map[string]string {
	out := maps.Clone(in)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range r.Delete {
		delete(out, k)
	}
	for to, from := range r.Copy {
		if v, ok := in[from]; ok {
			out[to] = v
		}
	}
	for k, v := range r.Default {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	maps.Copy(out, r.Set)
	for k, tmpl := range r.Template {
		out[k], _ = expandTemplate(tmpl, in) // checked when loaded
	}
	return out
}

// expandTemplate substitutes ${name} with header name's value (empty when
// absent) and $$ with $; any other $ stays as written.
func expandTemplate(s string, h map[string]string) (string, error) {
	return actors.Substitute(s, func(name string) (string, error) {
		if name == "" {
			return "", fmt.Errorf("empty ${} in %q", s)
		}
		return h[name], nil
	})
}

type rewriter struct {
	relay
	rules *HeaderRules
}

// Receive implements actor.Actor.
func (w *rewriter) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *queue.Deliver:
		out := &queue.Message{Header: w.rules.Apply(m.Message.Header), Body: m.Message.Body, Text: m.Message.Text}
		w.forward(ctx, m, out)
	case *retryHeld:
		w.retry(ctx)
	case *queue.Confirm:
		w.relayAnswer(ctx, m.ID, m, nil)
	case *queue.Reject:
		w.relayAnswer(ctx, m.ID, m, nil) // as it came: a Reject without a reason stays a Reject
	}
}
