package launch

import (
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// Defaults. Loading a large model (download, weights to GPU, CUDA graph
// capture) takes minutes, so the start-up timeout is generous; vLLM's own
// graceful shutdown finishes well inside the stop timeout.
const (
	DefaultStartTimeout = 10 * time.Minute
	DefaultStopTimeout  = 30 * time.Second
)

// Options says what to run and how to tell that it is ready.
type Options struct {
	// Argv is the program and its arguments, run without a shell.
	Argv []string
	// Env entries (KEY=value) are added to aienergy's own environment;
	// a key given here wins.
	Env []string
	// Dir is the working directory; empty means aienergy's.
	Dir string
	// HealthURL answers 200 once the server is ready, e.g.
	// http://127.0.0.1:8000/health (see HealthURLFor). If it answers 404
	// the server has no such route, and /v1/models on the same host is
	// asked instead.
	HealthURL string
	// StartTimeout bounds the wait for health (default 10 min).
	StartTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL
	// (default 30 s).
	StopTimeout time.Duration
	// Log receives the server's stdout and stderr; nil discards them
	// (the last lines are still kept for error messages).
	Log io.Writer
	// Redact masks the run's secrets in the server's output before Log and
	// error messages see it: a server may print its API key, its command
	// line or the URLs it was given. Nil masks only what needs no list of
	// secrets (URL passwords, values of secret-named pairs).
	Redact *redact.Redactor
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Argv) == 0 || o.Argv[0] == "" {
		return o, fmt.Errorf("launch: no command; set backend.launch to the server's command line, e.g. \"vllm serve MODEL --port 8000\"")
	}
	if o.HealthURL == "" {
		return o, fmt.Errorf("launch: no health URL to tell when %q is ready; give one such as http://127.0.0.1:8000/health", o.Argv[0])
	}
	u, err := url.Parse(o.HealthURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("launch: health URL %q is not an http(s) URL with a host; give one such as http://127.0.0.1:8000/health", o.HealthURL)
	}
	if o.StartTimeout < 0 || o.StopTimeout < 0 {
		return o, fmt.Errorf("launch: negative timeout (start %v, stop %v); use a positive duration, or 0 for the default", o.StartTimeout, o.StopTimeout)
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o, nil
}

// HealthURLFor derives the health URL from the backend's base URL
// (http://127.0.0.1:8000/v1 → http://127.0.0.1:8000/health): vLLM, SGLang,
// TGI and llama.cpp all serve /health at the root, and the /v1/models
// fallback covers servers that do not.
func HealthURLFor(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("launch: backend URL %q is not an http(s) URL with a host, so no health URL can be derived from it; set backend.url such as http://127.0.0.1:8000/v1", baseURL)
	}
	return (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: "/health"}).String(), nil
}
