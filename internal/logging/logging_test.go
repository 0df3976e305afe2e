package logging

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
)

func TestLines(t *testing.T) {
	const secret = "s3cr3t-token"
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string
	}{
		{"warning", func(l *slog.Logger) { l.Warn("meter x is not used: " + secret) }, "warning: meter x is not used: REDACTED\n"},
		{"error with attrs", func(l *slog.Logger) { l.Error("send failed", "url", "http://u:pw@h/v1") }, "error: send failed (url=http://u:REDACTED@h/v1)\n"},
		{"info plain", func(l *slog.Logger) { l.Info("sent the results") }, "sent the results\n"},
		{"group and with", func(l *slog.Logger) { l.With("model", "m").WithGroup("g").Warn("slow", "p99", 3) }, "warning: slow (model=m, g.p99=3)\n"},
		{"debug hidden", func(l *slog.Logger) { l.Debug("noise") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			tc.log(New(&buf, redact.New(secret), slog.LevelInfo))
			if buf.String() != tc.want {
				t.Errorf("got %q, want %q", buf.String(), tc.want)
			}
		})
	}
}

func TestOrDiscard(t *testing.T) {
	OrDiscard(nil).Warn("nowhere") // must not panic
	l := New(&bytes.Buffer{}, nil, slog.LevelInfo)
	if OrDiscard(l) != l {
		t.Error("OrDiscard replaced a logger")
	}
}
