// Package actors is the registry of actor kinds and the small vocabulary every
// kind shares.
//
// A kind is a named recipe for an actor: a config [Spec] describing the fields
// a tree file may give under `with:`, and a constructor that turns a validated
// [Config] into a protoactor-go actor. Kinds register themselves from an init
// function:
//
//	func init() {
//		actors.Register(actors.Kind{
//			Name:    "myapp.consumer",
//			Summary: "counts the messages it is given",
//			Spec: actors.NewSpec().
//				Field(actors.String("path").Required().Description("where to write")),
//			New: func(cfg *actors.Config) (actor.Actor, error) { return &consumer{path: cfg.String("path")}, nil },
//		})
//	}
//
// and a tree file names them:
//
//	children:
//	  - name: consumer
//	    kind: myapp.consumer
//	    with: {path: /var/spool/out}
//
// Validation, `bricks kinds` and error messages all read the one Spec, so a
// kind's documentation cannot drift from what it accepts.
//
// Messages between sibling stages follow the pipeline protocol in
// messages.go: Deliver goes downstream, Confirm or Reject comes back, and a
// source removes or acknowledges a message only on Confirm.
package actors
