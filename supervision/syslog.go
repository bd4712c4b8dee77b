package supervision

import (
	"context"
	"log/slog"
)

// systemHandler is the handler of the actor system's logger: the tree's,
// minus protoactor-go's own line for each failure ("[ACTOR] Recovering"),
// which the supervisor already logs with the node path, the reason and the
// restart count, and with dead letters lowered to debug: after a restart,
// messages to the old incarnation's PID are expected.
type systemHandler struct{ slog.Handler }

// Handle filters and re-levels protoactor-go's records.
func (h systemHandler) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case "[ACTOR] Recovering":
		return nil
	case "[DeadLetter]":
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the filter on derived loggers.
func (h systemHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return systemHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the filter on derived loggers.
func (h systemHandler) WithGroup(name string) slog.Handler {
	return systemHandler{h.Handler.WithGroup(name)}
}

// systemLogger is the logger given to protoactor-go.
func systemLogger(l *slog.Logger) *slog.Logger { return slog.New(systemHandler{l.Handler()}) }
