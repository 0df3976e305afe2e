package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
)

// MetricsPath is where Handler and Serve expose the metrics.
const MetricsPath = "/metrics"

// acceptedFormats are the expositions served, in order of preference when
// a scraper accepts several: Prometheus text (what Prometheus 2.x and every
// other scraper read) and delimited protobuf. OpenMetrics is not offered:
// nothing here needs its extras, and text keeps one encoding to test.
var acceptedFormats = []expfmt.Format{
	expfmt.NewFormat(expfmt.TypeTextPlain),
	expfmt.NewFormat(expfmt.TypeProtoDelim),
}

// Handler serves the metrics at MetricsPath (GET or HEAD) and answers
// 404 elsewhere with where to look.
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(MetricsPath, e.serveMetrics)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "aienergy serves its live metrics at "+MetricsPath, http.StatusNotFound)
	})
	return mux
}

func (e *Exporter) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	format := expfmt.NegotiateAccept(r.Header, acceptedFormats...)
	w.Header().Set("Content-Type", string(format))
	if r.Method == http.MethodHead {
		return
	}
	enc := expfmt.NewEncoder(w, format)
	for _, f := range e.Families() {
		if err := enc.Encode(f); err != nil {
			// Headers are gone; the scraper sees a truncated body and
			// reports the scrape as failed, which is what it is.
			return
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		_ = c.Close()
	}
}

// shutdownGrace is how long close waits for scrapes in progress.
const shutdownGrace = 2 * time.Second

// Serve listens on addr exactly as given (host:port; ":9464" listens on
// every interface, "127.0.0.1:9464" on loopback only, port 0 picks a free
// one) and serves Handler until close is called; close waits briefly for
// scrapes in progress and may be called more than once. url is where the metrics
// can be scraped, with "localhost" for an address that names every
// interface.
func (e *Exporter) Serve(addr string) (url string, close func() error, err error) {
	if addr == "" {
		return "", nil, errors.New("metrics address is empty: give host:port, e.g. 127.0.0.1:9464 (or :9464 to listen on every interface)")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("serve live metrics on %q: %w (give a free host:port, e.g. 127.0.0.1:9464)", addr, err)
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	var (
		once    sync.Once
		stopErr error
	)
	stop := func() error {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			stopErr = srv.Shutdown(ctx)
			if errors.Is(stopErr, context.DeadlineExceeded) {
				stopErr = srv.Close() // a scrape hung: cut it off
			}
			if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && stopErr == nil {
				stopErr = serr
			}
		})
		return stopErr
	}
	return "http://" + displayHost(ln.Addr()) + MetricsPath, stop, nil
}

// displayHost is addr with an unspecified IP (0.0.0.0, ::) replaced by
// localhost, so that the printed URL can be opened as it is.
func displayHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
