package actors

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Env is what the running tree offers a node: where it is, how to log, and
// how to reach its siblings. Sibling PIDs are looked up on every call because
// a restarted sibling may have a new PID.
type Env interface {
	// Path is the node's path from the root, e.g. "sender/reader".
	Path() string
	// Logger is the tree's structured logger, already tagged with the node path.
	Logger() *slog.Logger
	// Sibling returns the current PID of the named sibling, or nil when it
	// is not running.
	Sibling(name string) *actor.PID
}

// Config is a validated `with:` block: every value has the Go type its
// Field declares, defaults are filled in, and secrets are resolved.
type Config struct {
	spec   *Spec
	values map[string]any
	env    Env
}

// NewConfig wraps values that were already checked against spec. The
// loader in package supervision builds Configs this way; a Go program may
// too, for a kind it spawns itself.
func NewConfig(spec *Spec, values map[string]any) *Config {
	if values == nil {
		values = map[string]any{}
	}
	return &Config{spec: spec, values: values}
}

// WithEnv returns a copy of c bound to the running node env.
func (c *Config) WithEnv(env Env) *Config {
	cp := *c
	cp.env = env
	return &cp
}

// Env returns the node environment, or nil before the tree runs.
func (c *Config) Env() Env { return c.env }

// Spec returns the Spec the values were checked against.
func (c *Config) Spec() *Spec { return c.spec }

// Values returns the typed values by field name (a shared map: do not modify).
func (c *Config) Values() map[string]any { return c.values }

// Has reports whether the field has a value, given or defaulted.
func (c *Config) Has(name string) bool { _, ok := c.values[name]; return ok }

func get[T any](c *Config, name string) T {
	v, _ := c.values[name].(T)
	return v
}

// String returns a string, enum, secret or sibling-name field.
func (c *Config) String(name string) string { return get[string](c, name) }

// Int returns an integer field.
func (c *Config) Int(name string) int { return get[int](c, name) }

// Bool returns a boolean field.
func (c *Config) Bool(name string) bool { return get[bool](c, name) }

// Float returns a floating-point field.
func (c *Config) Float(name string) float64 { return get[float64](c, name) }

// Duration returns a duration field.
func (c *Config) Duration(name string) time.Duration { return get[time.Duration](c, name) }

// Strings returns a list-of-strings field.
func (c *Config) Strings(name string) []string { return get[[]string](c, name) }

// StringMap returns a map-of-strings field.
func (c *Config) StringMap(name string) map[string]string { return get[map[string]string](c, name) }

// Object returns a nested object field, or nil when absent.
func (c *Config) Object(name string) *Config {
	o := get[*Config](c, name)
	if o != nil && o.env == nil {
		o = o.WithEnv(c.env)
	}
	return o
}

// Any returns a field's value as decoded.
func (c *Config) Any(name string) any { return c.values[name] }

// SiblingPID resolves the sibling named by a TypeSibling field (such as
// `to:`) to its current PID, or nil when it is not running.
func (c *Config) SiblingPID(field string) *actor.PID {
	if c.env == nil {
		return nil
	}
	return c.env.Sibling(c.String(field))
}
