package command

import (
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bricksmq/bricks/actors"
)

func TestKindRegistered(t *testing.T) {
	k, ok := actors.Lookup(KindName)
	if !ok {
		t.Fatal("kind command not registered")
	}
	if !k.SignalsReady || k.Summary == "" || k.Validate == nil {
		t.Errorf("kind = %+v, want SignalsReady, a summary and Validate", k)
	}
	for _, f := range k.Spec.Fields() {
		if f.Desc == "" {
			t.Errorf("field %s has no description", f.Name)
		}
	}
	if f := k.Spec.Lookup("expected"); f == nil || !slices.Equal(f.EnumVals, []string{"running", "stopped"}) || f.DefaultVal != "running" {
		t.Errorf("expected field = %+v", f)
	}
}

func TestSettingsOwned(t *testing.T) {
	cfg, err := decodeWith(t, "run: [srv, --fg]\nready: [probe]\nenv: {A: b}\ncwd: /tmp\nstop_signal: INT")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !s.owned() || !slices.Equal(s.run, []string{"srv", "--fg"}) || s.stopSignal != syscall.SIGINT ||
		s.opts.Dir != "/tmp" || s.opts.Env["A"] != "b" || s.opts.Level != slog.LevelInfo ||
		s.readyTimeout != DefaultReadyTimeout || s.readyInterval != DefaultReadyInterval {
		t.Errorf("settings = %+v", s)
	}
}

func TestSettingsDaemonDefaultsAndControl(t *testing.T) {
	cfg, err := decodeWith(t, "control: [/etc/init.d/httpd]\nexpected: stopped")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		got  []string
		verb string
	}{{s.start, "start"}, {s.stop, "stop"}, {s.status, "status"}} {
		if !slices.Equal(c.got, []string{"/etc/init.d/httpd", c.verb}) {
			t.Errorf("%s command = %v", c.verb, c.got)
		}
	}
	if s.owned() || s.expected != Stopped || s.interval != DefaultInterval || s.timeout != DefaultTimeout ||
		s.opts.Level != slog.LevelDebug || s.stopSignal != syscall.SIGTERM {
		t.Errorf("settings = %+v", s)
	}
	cfg, _ = decodeWith(t, "start: [a]\nstatus: [b]\ninterval: 5s\noutput_level: warn")
	if s, err = parseSettings(cfg); err != nil || s.interval != 5*time.Second || s.opts.Level != slog.LevelWarn {
		t.Errorf("settings = %+v, %v", s, err)
	}
}

func TestValidateRejects(t *testing.T) {
	for _, tc := range []struct{ with, want string }{
		{"cwd: /tmp", "give `run`"},
		{"run: [a]\nstart: [b]", "`run` (owned process) cannot be combined with `start`"},
		{"run: [a]\nstatus: [b]\ncontrol: [c]", "cannot be combined with `status`, `control`"},
		{"control: [c]\nstart: [b]", "`control` replaces `start`"},
		{"start: [a]\nstop: [b]", "`stop` needs `status`"},
		{"expected: stopped\ncwd: /tmp\nenv: {A: b}\ninterval: 1s\ntimeout: 1s", "give `run`"},
		{"start: [a]\npattern: '('", "`pattern`: error parsing regexp"},
		{"start: [a]\npattern: x\nstatus: [b]", "`pattern` replaces `status`"},
		{"control: [c]\npattern: x", "`control` replaces `pattern`"},
		{"start: [a]\npattern: ''", "`pattern` is empty"},
		{"status: [a]", "`expected: running` needs `start`"},
		{"start: [a]\nstatus: [b]\nexpected: stopped", "`expected: stopped` needs `stop` (or `control` or `pattern`)"},
		{"start: [a]\nstatus: [b]\nready: [c]", "`ready` applies to `run` only"},
		{"run: []", "`run` is empty"},
		{"run: [a]\ninterval: 0s", "`interval` must be positive"},
		{"run: [a]\nready_timeout: 0ms", "`ready_timeout` must be positive"},
	} {
		_, err := decodeWith(t, tc.with)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tc.with, err, tc.want)
		}
	}
}

func TestSpecRejectsBadEnums(t *testing.T) {
	for _, with := range []string{"run: [a]\nstop_signal: STOP", "start: [a]\nstatus: [b]\nexpected: dirty", "run: [a]\noutput_level: loud"} {
		if _, err := decodeWith(t, with); err == nil {
			t.Errorf("%q accepted", with)
		}
	}
}

// The example `bricks kinds` builds from the field examples must be a valid
// configuration.
func TestSpecExamplesFormValidConfig(t *testing.T) {
	ex := map[string]any{}
	for _, f := range Spec().Fields() {
		if f.ExampleVal != nil {
			ex[f.Name] = f.ExampleVal
		}
	}
	b, err := yaml.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeWith(t, string(b)); err != nil {
		t.Errorf("example %s: %v", b, err)
	}
}

func TestSettingsPattern(t *testing.T) {
	cfg, err := decodeWith(t, "start: [/usr/sbin/foo, -d]")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := parseSettings(cfg)
	if s.pattern == nil || !s.pattern.MatchString("/usr/sbin/foo -d") || s.pattern.MatchString("/usr/sbin/foo") || !s.canStop() {
		t.Errorf("default pattern = %v, want the quoted start command", s.pattern)
	}
	cfg, err = decodeWith(t, "start: [a]\npattern: 'mydaemon --[a-z]+'\nexpected: stopped")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ = parseSettings(cfg); s.pattern.String() != "mydaemon --[a-z]+" || s.checkName() != "pattern mydaemon --[a-z]+" {
		t.Errorf("pattern = %v", s.pattern)
	}
}
