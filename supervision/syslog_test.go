package supervision

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSystemLogger(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelInfo, "msg=kept\n"},
		{slog.LevelDebug, "level=DEBUG msg=[DeadLetter]\nlevel=INFO msg=kept\n"},
	} {
		var buf bytes.Buffer
		l := systemLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}})))
		l.Info("[ACTOR] Recovering", "reason", "boom") // the supervisor logs failures itself
		l.Info("[DeadLetter]")
		l.Info("kept")
		got := buf.String()
		if tt.level == slog.LevelInfo {
			got = strings.ReplaceAll(got, "level=INFO ", "")
		}
		if got != tt.want {
			t.Errorf("at %s: got %q, want %q", tt.level, got, tt.want)
		}
	}
}
