package influx

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func init() {
	meter.Register("powerapi", parse)
	meter.Register("influxdb", parse)
}

// dialect is one query language: InfluxQL (1.x) or Flux (2.x).
type dialect interface {
	// latest returns the newest point of each series at most lookback old.
	latest(ctx context.Context, sel *selection, lookback time.Duration) ([]series, error)
	// window returns every point with from <= time <= to.
	window(ctx context.Context, sel *selection, from, to time.Time) ([]series, error)
	// inventory lists what the store holds, to explain an empty answer.
	inventory(ctx context.Context, sel *selection) (inventory, error)
	// where names the database or bucket for messages.
	where() string
}

// Meter reads SmartWatts' power points from InfluxDB. Besides the
// meter.Meter methods it offers PowerOverWindow and ReadWindow (the same
// points as meter.Readings, for meter.WindowReader), the accurate,
// after-the-run way to get them (see the package comment).
type Meter struct {
	name      string
	cfg       config
	transport *http.Transport
	client    *http.Client

	langMu sync.Mutex // guards d; held while asking /ping
	d      dialect    // nil until the version is known
	mu     sync.Mutex // guards comps
	comps  map[string]meter.Component
}

// parse builds the meter whole: it asks the server nothing until its
// first read, and a known version's secrets are checked here.
func parse(spec meter.Spec) (meter.Opener, error) {
	cfg, err := parseConfig(spec)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 2 // keep-alive: one connection reused per read
	m := &Meter{name: spec.Name, cfg: cfg, transport: t, client: &http.Client{Transport: t}, comps: map[string]meter.Component{}}
	if cfg.version != 0 {
		if m.d, err = m.newDialect(cfg.version); err != nil {
			return nil, err
		}
	}
	return meter.Ready(m), nil
}

// newDialect reads the secrets the version needs from the environment and
// builds its client.
func (m *Meter) newDialect(version int) (dialect, error) {
	c := &m.cfg
	if err := c.complete(version); err != nil {
		return nil, err
	}
	srv := &server{base: c.base, shown: c.shown, client: m.client}
	if version == 1 {
		d := &influxQL{srv: srv, db: c.database, rp: c.rp, user: c.username, pwEnv: c.passwordEnv, chunkSize: defaultChunkSize}
		if c.username != "" {
			pw, err := c.secret("password_env", c.passwordEnv)
			if err != nil {
				return nil, err
			}
			user := c.username
			srv.auth = func(r *http.Request) { r.SetBasicAuth(user, pw) }
		}
		return d, nil
	}
	token, err := c.secret("token_env", c.tokenEnv)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, meter.Unavailable(c.spec, "the environment variable "+c.tokenEnv+" (token_env) is empty",
			"export the InfluxDB token in "+c.tokenEnv)
	}
	srv.auth = func(r *http.Request) { r.Header.Set("Authorization", "Token "+token) }
	return &flux{srv: srv, org: c.org, bucket: c.bucket, tokenEnv: c.tokenEnv}, nil
}

// lang returns the query language, asking the server on first use when
// the version is auto. A failed attempt is retried on the next call.
func (m *Meter) lang(ctx context.Context) (dialect, error) {
	m.langMu.Lock()
	defer m.langMu.Unlock()
	if m.d != nil {
		return m.d, nil
	}
	srv := &server{base: m.cfg.base, shown: m.cfg.shown, client: m.client}
	v, err := srv.detectVersion(ctx)
	if err != nil {
		return nil, err
	}
	d, err := m.newDialect(v)
	if err != nil {
		return nil, err
	}
	m.d = d
	return d, nil
}

var _ meter.Meter = (*Meter)(nil)

// Name is the configured meter name.
func (m *Meter) Name() string { return m.name }

// Close drops kept-alive connections.
func (m *Meter) Close() error {
	m.transport.CloseIdleConnections()
	return nil
}

// Read returns the newest point of every channel, at most lookback old.
// The points are SmartWatts' and arrive seconds late (see the package
// comment); use PowerOverWindow for energy.
func (m *Meter) Read(ctx context.Context) ([]meter.Reading, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.timeout)
	defer cancel()
	d, err := m.lang(ctx)
	if err != nil {
		return nil, err
	}
	sel := &m.cfg.sel
	ss, err := d.latest(ctx, sel, m.cfg.lookback)
	if err != nil {
		return nil, err
	}
	chans, err := assemble(ss, sel, m.cfg.component)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", d.where(), m.cfg.shown, err)
	}
	if len(chans) == 0 {
		return nil, m.noPoints(ctx, d, "in the last "+m.cfg.lookback.String(), sel)
	}
	m.remember(chans)
	out := make([]meter.Reading, len(chans))
	for i, c := range chans {
		out[i] = meter.Reading{Meter: m.name, Channel: c.name, Component: c.component,
			Watts: c.points[len(c.points)-1].Watts, Joules: meter.NoValue}
	}
	return out, nil
}

func (m *Meter) remember(chans []channel) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range chans {
		m.comps[c.name] = c.component
	}
}

// Component says what a channel measures (cpu, or dram for SmartWatts'
// DRAM scope); ok is false for a channel no read has returned yet.
func (m *Meter) Component(channel string) (c meter.Component, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok = m.comps[channel]
	return c, ok
}

// Channels lists the channels reads have returned so far, sorted.
func (m *Meter) Channels() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.comps))
	for n := range m.comps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ReadTimeout gives each live query its configured timeout
// (meter.ReadTimeouter).
func (m *Meter) ReadTimeout() time.Duration { return m.cfg.timeout }
