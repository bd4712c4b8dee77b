package supervision

import (
	"context"
	"log/slog"
)

// systemHandler is the handler of the actor system's logger: the tree's,
// minus protoactor-go's own line for each failure ("[ACTOR] Recovering"),
// which the supervisor already logs with the node path, the reason and the
// restart count.
type systemHandler struct{ slog.Handler }

func (h systemHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "[ACTOR] Recovering" {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h systemHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return systemHandler{h.Handler.WithAttrs(as)}
}

func (h systemHandler) WithGroup(name string) slog.Handler {
	return systemHandler{h.Handler.WithGroup(name)}
}

// systemLogger is the logger given to protoactor-go.
func systemLogger(l *slog.Logger) *slog.Logger { return slog.New(systemHandler{l.Handler()}) }
