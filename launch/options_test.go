package launch

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestOptionsRejected(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no command", Options{HealthURL: "http://127.0.0.1:1/health"}, "no command"},
		{"empty program", Options{Argv: []string{""}, HealthURL: "http://127.0.0.1:1/health"}, "no command"},
		{"no health URL", Options{Argv: []string{"vllm"}}, "no health URL"},
		{"relative URL", Options{Argv: []string{"vllm"}, HealthURL: "/health"}, "not an http(s) URL"},
		{"other scheme", Options{Argv: []string{"vllm"}, HealthURL: "ftp://x/health"}, "not an http(s) URL"},
		{"negative timeout", Options{Argv: []string{"vllm"}, HealthURL: "http://h/health", StopTimeout: -time.Second}, "negative timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(context.Background(), tt.o)
			if s != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Start = %v, %v; want an error containing %q", s, err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	o, err := Options{Argv: []string{"vllm"}, HealthURL: "http://h/health"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.StartTimeout != 10*time.Minute || o.StopTimeout != 30*time.Second || o.Log == nil {
		t.Errorf("defaults = start %v, stop %v, log %v", o.StartTimeout, o.StopTimeout, o.Log)
	}
}

func TestHealthURLFor(t *testing.T) {
	tests := []struct{ base, want, err string }{
		{"http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/health", ""},
		{"http://localhost:30000/v1/", "http://localhost:30000/health", ""},
		{"https://[::1]:8443", "https://[::1]:8443/health", ""},
		{"http://gpu-box/v1?x=1", "http://gpu-box/health", ""},
		{"127.0.0.1:8000", "", "not an http(s) URL"},
		{"", "", "not an http(s) URL"},
	}
	for _, tt := range tests {
		got, err := HealthURLFor(tt.base)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("HealthURLFor(%q) err = %v, want %q", tt.base, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("HealthURLFor(%q) = %q, %v; want %q", tt.base, got, err, tt.want)
		}
	}
}

func TestLogTail(t *testing.T) {
	var sink logSink
	sink.w = &strings.Builder{}
	if got := sink.tail(); got != "(the server wrote nothing)" {
		t.Errorf("empty tail = %q", got)
	}
	// Lines split across writes, CRLF, an over-long line, and more lines
	// than are kept.
	_, _ = sink.Write([]byte("first pa"))
	_, _ = sink.Write([]byte("rt\r\n" + strings.Repeat("x", 2000) + "\n"))
	for i := 3; i <= 26; i++ {
		_, _ = sink.Write([]byte("l" + string(rune('a'+i%26)) + "\n"))
	}
	_, _ = sink.Write([]byte("unfinished"))
	lines := strings.Split(sink.tail(), "\n")
	if len(lines) != tailLines+1 {
		t.Fatalf("tail has %d lines, want %d:\n%s", len(lines), tailLines+1, sink.tail())
	}
	if lines[0] != "  "+strings.Repeat("x", tailLineMax) {
		t.Errorf("first kept line = %q (len %d), want the long line cut to %d", lines[0][:20], len(lines[0]), tailLineMax)
	}
	if lines[len(lines)-1] != "  unfinished" {
		t.Errorf("last line = %q", lines[len(lines)-1])
	}
	if got := sink.w.(*strings.Builder).Len(); got != len("first part\r\n")+2001+24*3+len("unfinished") {
		t.Errorf("forwarded %d bytes; everything must reach Log uncut", got)
	}
}
