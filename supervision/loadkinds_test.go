package supervision

import (
	"errors"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/bricksmq/bricks/actors"
)

// Test kinds for the loader tests. Their names start with "loadtest." so
// they never collide with kinds other tests in this package register.
func init() {
	noActor := func(*actors.Config) (actor.Actor, error) { return nil, errors.New("loadtest kinds do not run") }
	actors.Register(actors.Kind{
		Name:    "loadtest.worker",
		Summary: "exercises every field type the loader decodes",
		Spec: actors.NewSpec().
			Field(actors.String("path").Required().Description("where to read")).
			Field(actors.Sibling("to").Description("the next stage")).
			Field(actors.String("mode").Enum("fast", "safe").Default("safe")).
			Field(actors.Duration("interval").Default(time.Second)).
			Field(actors.String("pass").Secret()).
			Field(actors.Object("retry", actors.NewSpec().
				Field(actors.Int("max").Default(3)).
				Field(actors.Duration("delay").Required()))).
			Field(actors.StringList("tags")).
			Field(actors.StringMap("env")).
			Field(actors.Int("count")).
			Field(actors.Bool("verbose").Default(false)).
			Field(actors.Float("ratio")).
			Field(actors.Any("extra")),
		New: noActor,
		Validate: func(cfg *actors.Config) error {
			if cfg.String("mode") == "fast" && cfg.Has("pass") {
				return errors.New("mode fast cannot use a password")
			}
			return nil
		},
	})
	actors.Register(actors.Kind{
		Name:    "loadtest.sink",
		Summary: "accepts messages and does nothing",
		Spec:    actors.NewSpec().Field(actors.String("label").Default("sink")),
		New:     noActor,
	})
}
