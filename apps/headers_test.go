package apps

import (
	"maps"
	"strings"
	"testing"
)

func TestHeaderRules(t *testing.T) {
	in := map[string]string{"message-id": "ID:1", "destination": "/queue/a", "type": "order", "id": "42", "persistent": "false"}
	for _, c := range []struct {
		name  string
		rules HeaderRules
		want  map[string]string
	}{
		{"no rules", HeaderRules{}, in},
		{"delete", HeaderRules{Delete: []string{"message-id", "absent"}},
			map[string]string{"destination": "/queue/a", "type": "order", "id": "42", "persistent": "false"}},
		{"rename by copy and delete", HeaderRules{Copy: map[string]string{"original-destination": "destination"}, Delete: []string{"destination"}},
			map[string]string{"message-id": "ID:1", "original-destination": "/queue/a", "type": "order", "id": "42", "persistent": "false"}},
		{"copy of an absent header copies nothing", HeaderRules{Copy: map[string]string{"x": "absent"}}, in},
		{"default fills only what is absent", HeaderRules{Default: map[string]string{"persistent": "true", "priority": "4"}},
			with(in, "priority", "4")},
		{"default after delete", HeaderRules{Delete: []string{"persistent"}, Default: map[string]string{"persistent": "true"}},
			with(in, "persistent", "true")},
		{"set overrides", HeaderRules{Set: map[string]string{"persistent": "true", "x-relay": "bricks"}},
			with(with(in, "persistent", "true"), "x-relay", "bricks")},
		{"set is literal", HeaderRules{Set: map[string]string{"x": "${type}"}}, with(in, "x", "${type}")},
		{"template", HeaderRules{Template: map[string]string{"subject": "${type}/${id} costs $$5 ${absent}."}},
			with(in, "subject", "order/42 costs $5 .")},
		{"template reads the incoming headers", HeaderRules{Delete: []string{"id"}, Template: map[string]string{"ref": "#${id}"}},
			with(without(in, "id"), "ref", "#42")},
		{"a lone $ stays", HeaderRules{Template: map[string]string{"p": "a$b$"}}, with(in, "p", "a$b$")},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := maps.Clone(in)
			got := c.rules.Apply(in)
			if !maps.Equal(got, c.want) {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
			if !maps.Equal(in, before) {
				t.Error("Apply modified its input")
			}
		})
	}
}

func TestHeaderRulesCheck(t *testing.T) {
	for tmpl, want := range map[string]string{"${open": "template.t: unclosed ${", "x${}": "template.t: empty ${}"} {
		err := (&HeaderRules{Template: map[string]string{"t": tmpl}}).Check()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want %q", tmpl, err, want)
		}
	}
	if err := (&HeaderRules{Template: map[string]string{"t": "${a}$$"}}).Check(); err != nil {
		t.Errorf("good template refused: %v", err)
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	out[k] = v
	return out
}

func without(m map[string]string, k string) map[string]string {
	out := maps.Clone(m)
	delete(out, k)
	return out
}
