package launch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Health polling: frequent at first so a quick server is seen quickly,
// then easing off to once a second while a large model loads. A second's
// lag overstates the start-up phase by at most that much.
const (
	pollFirst    = 250 * time.Millisecond
	pollMax      = time.Second
	probeTimeout = 5 * time.Second
)

// prober asks the health URL, and /v1/models on the same host when the
// health URL is a route the server does not have (404).
type prober struct {
	client   *http.Client
	health   string
	fallback string
}

func newProber(healthURL string) *prober {
	p := &prober{
		// No proxy (the server is local) and no kept connections (each
		// probe is seconds apart and the server may be restarting).
		client: &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}},
		health: healthURL,
	}
	if u, err := url.Parse(healthURL); err == nil && u.Path != "/v1/models" {
		p.fallback = (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: "/v1/models"}).String()
	}
	return p
}

// check returns nil when the server is ready, else why not.
func (p *prober) check(ctx context.Context) error {
	status, err := p.get(ctx, p.health)
	if err == nil && status == http.StatusNotFound && p.fallback != "" {
		var fbStatus int
		if fbStatus, err = p.get(ctx, p.fallback); err == nil && fbStatus != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s, and GET %s: %d %s", p.health, status, http.StatusText(status), p.fallback, fbStatus, http.StatusText(fbStatus))
		}
		return err
	}
	if err == nil && status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", p.health, status, http.StatusText(status))
	}
	return err
}

func (p *prober) get(ctx context.Context, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// checkPortFree refuses to launch onto a port something already answers
// on: the health check would then pass against that other server (often
// one left over from an earlier run) while ours fails to bind, and the
// benchmark would measure the wrong process.
func checkPortFree(healthURL string) error {
	u, err := url.Parse(healthURL)
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil // refused (or unreachable): nothing is there
	}
	c.Close()
	return fmt.Errorf("launch: %s already accepts connections before the server is started: another server (perhaps one left from an earlier run) holds the port; stop it, or give the launched server another port", addr)
}
