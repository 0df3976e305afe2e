package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a simulated vLLM server. Its power model runs from New on, as a
// GPU draws idle power whether or not anything is served.
type Server struct {
	cfg     Config
	engine  *engine
	origin  time.Time
	gpus    []gpuLabels
	handler http.Handler
	nextID  atomic.Uint64
	tracer  func(traceEvent) // internal tests only; set before serving

	// closing ends every in-flight request when the server closes, also
	// those served through Handler by someone else's http.Server.
	closing     context.Context
	stopServing context.CancelFunc

	mu       sync.Mutex
	httpSrv  *http.Server
	serveErr chan error
	closed   bool
}

// New validates cfg, fills its defaults and returns a server that is not yet
// listening; use Start, or mount Handler yourself.
func New(cfg Config) (*Server, error) {
	return newServer(cfg, time.Now)
}

// newServer is New with an injectable clock for exact energy tests.
func newServer(cfg Config, now func() time.Time) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		engine: newEngine(cfg, now),
	}
	s.origin = s.engine.log.origin
	s.gpus = newGPULabels(cfg)
	s.closing, s.stopServing = context.WithCancel(context.Background())
	s.handler = s.routes()
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("POST /v1/completions", s.handleCompletions)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /sim/energy", s.handleEnergy)
	mux.HandleFunc("GET /sim/gpu", s.handleGPU)
	mux.HandleFunc("POST /sim/gpu", s.handleSetGPU)
	return mux
}

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() Config {
	cfg := s.cfg
	cfg.Models = append([]string(nil), cfg.Models...)
	return cfg
}

// Handler serves the OpenAI API, /health, /metrics and /sim/energy.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr ("" means 127.0.0.1:0, a free loopback port; ":0"
// listens on every interface) and serves in the background. It returns the
// base URL, e.g. "http://127.0.0.1:41234", reachable from this machine.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Err() != nil {
		return "", errors.New("sim: server is closed")
	}
	if s.httpSrv != nil {
		return "", errors.New("sim: server already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sim: listen on %s: %w", addr, err)
	}
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.closing },
	}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.httpSrv.Serve(ln) }()
	return "http://" + dialableAddr(ln.Addr()), nil
}

// dialableAddr turns a wildcard listen address into a loopback one.
func dialableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
}

// Close stops listening, ends in-flight requests (freeing their slots) and
// waits for the listener to shut. The power model keeps its history, so
// Energy still answers for the time the server ran.
func (s *Server) Close() error {
	s.stopServing()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv == nil || s.closed {
		return nil
	}
	s.closed = true
	err := s.httpSrv.Close()
	if e := <-s.serveErr; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}

// Energy is the exact modeled energy in joules drawn by all GPUs between
// from and to. The window is clipped to [New, now]: before New nothing was
// drawn and the future is unknown. A reversed window gives a negative
// value; a window older than the bounded history gives NaN.
func (s *Server) Energy(from, to time.Time) float64 { return s.engine.energy(from, to) }

// TotalEnergy is the modeled energy in joules since New, all GPUs.
func (s *Server) TotalEnergy() float64 { return s.engine.snapshot().joules }

// Power is the instantaneous draw in watts, all GPUs.
func (s *Server) Power() float64 { return s.engine.snapshot().watts }

// IdleWatts is the draw with nothing running, all GPUs.
func (s *Server) IdleWatts() float64 { return s.engine.power.total(0) }

// Origin is when the power model started (New); Energy(s.Origin(),
// time.Now()) equals TotalEnergy().
func (s *Server) Origin() time.Time { return s.origin }

// newID makes a response id like vLLM's: a prefix and 32 hex digits.
func (s *Server) newID(prefix string) string {
	n := s.nextID.Add(1)
	// The salt keeps ids apart from the GPU UUIDs drawn from the same seed.
	const salt = 0x1d5a17c0ffee
	return fmt.Sprintf("%s%016x%016x", prefix, splitmix64(splitmix64(uint64(s.cfg.Seed)^salt)+n), n)
}

// requestContext ends when the client goes away or the server closes.
func (s *Server) requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(s.closing, cancel)
	return ctx, func() { stop(); cancel() }
}
