package kindtest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/bricksmq/bricks/actors"
	"github.com/bricksmq/bricks/queue"
)

// ScriptKind is a destination stage whose answers a test scripts: `with:
// {script: NAME}` names a function registered by Script, called with every
// Deliver the stage receives (it answers with queue.Answer, or not).
const ScriptKind = "kindtest.script"

// scripts holds the registered behaviours by name.
var scripts sync.Map // string -> func(actor.Context, *queue.Deliver)

func init() {
	actors.Register(actors.Kind{
		Name:    ScriptKind,
		Summary: "a destination stage that answers as the test says",
		Spec:    actors.NewSpec().Field(actors.String("script").Required()),
		New: func(cfg *actors.Config) (actor.Actor, error) {
			f, ok := scripts.Load(cfg.String("script"))
			if !ok {
				return nil, fmt.Errorf("no stage script %q", cfg.String("script"))
			}
			handle := f.(func(actor.Context, *queue.Deliver))
			return actor.ReceiveFunc(func(ctx actor.Context) {
				if d, ok := ctx.Message().(*queue.Deliver); ok {
					handle(ctx, d)
				}
			}), nil
		},
	})
}

// Script registers handle under the test's name until the test ends and
// returns that name, for a ScriptKind node's `script:`.
func Script(t testing.TB, handle func(actor.Context, *queue.Deliver)) string {
	name := t.Name()
	scripts.Store(name, handle)
	t.Cleanup(func() { scripts.Delete(name) })
	return name
}
