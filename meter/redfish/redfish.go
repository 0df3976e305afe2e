package redfish

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("redfish", parse) }

// parse checks the options without asking the BMC; opening discovers
// what the BMC reports.
func parse(spec meter.Spec) (meter.Opener, error) {
	if err := spec.CheckKeys(keys...); err != nil {
		return nil, err
	}
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (meter.Meter, error) { return connect(ctx, spec, o) }, nil
}

const (
	defaultTimeout = 5 * time.Second
	// Discovery reads the service root, the chassis and, on BMCs without
	// $expand, every sensor one by one; give it a bounded while.
	minDiscovery = 60 * time.Second
)

var keys = []string{"url", "username", "password_env", "session", "insecure_skip_verify", "ca_file",
	"timeout", "chassis", "energy", "component"}

// bmc is the "redfish" meter.
type bmc struct {
	name      string
	component meter.Component

	mu     sync.Mutex // serialises reads and Close; guards the client
	c      *client
	plans  []*chassisPlan
	closed bool
}

// connect finds the chassis to read and how; cancelling ctx stops it.
func connect(ctx context.Context, spec meter.Spec, o options) (meter.Meter, error) {
	c, err := newClient(spec, o)
	if err != nil {
		return nil, err
	}
	m := &bmc{name: spec.Name, component: o.component, c: c}
	dctx, cancel := context.WithTimeout(ctx, max(minDiscovery, 12*o.timeout))
	defer cancel()
	d := &discovery{c: c, mode: o.energy}
	m.plans, err = d.run(dctx, o.chassis)
	if err != nil {
		_ = m.Close() // log out of a session opened before the failure
		if stop := ctx.Err(); stop != nil && errors.Is(err, stop) {
			// Cancelled, not failed: the message of the request cut off
			// would blame the BMC.
			return nil, spec.Errorf("", "discovery of the BMC stopped: %w", stop)
		}
		var none *noPowerError
		var bad *chassisError
		switch {
		case errors.As(err, &none):
			return nil, meter.Unavailable(spec, none.reason,
				"check that the BMC firmware reports power (some vendors license power telemetry), or measure wall power with a PDU meter")
		case errors.As(err, &bad):
			return nil, spec.Errorf("chassis", "%w", bad.err)
		}
		return nil, spec.Errorf("", "%w", err)
	}
	return m, nil
}

func (m *bmc) Name() string { return m.name }

// Read polls the sources of every chassis: one GET per distinct resource.
func (m *bmc) Read(ctx context.Context) ([]meter.Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errors.New("redfish meter " + m.name + " is closed")
	}
	fetched := map[string]*resource{}
	out := make([]meter.Reading, 0, len(m.plans))
	for _, p := range m.plans {
		r := meter.Reading{Meter: m.name, Channel: p.channel, Component: m.component, Watts: meter.NoValue, Joules: meter.NoValue}
		for _, s := range []*source{p.power, p.energy} {
			if s == nil {
				continue
			}
			res, ok := fetched[s.uri]
			if !ok {
				res = &resource{}
				if err := m.c.get(ctx, s.uri, res); err != nil {
					return nil, err
				}
				fetched[s.uri] = res
			}
			v, err := s.value(res)
			if err != nil {
				return nil, err
			}
			if s == p.power {
				r.Watts = v
			} else {
				r.Joules = v
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Close logs out of the session, if any, and drops idle connections.
func (m *bmc) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), m.c.timeout)
	defer cancel()
	err := m.c.logout(ctx)
	m.c.transport.CloseIdleConnections()
	return err
}

// Sources says, per channel, where its figures come from and why a counter
// the BMC offers was left out; `aienergy meters` can show it.
func (m *bmc) Sources() map[string]string {
	out := make(map[string]string, len(m.plans))
	for _, p := range m.plans {
		var parts []string
		if p.power != nil {
			parts = append(parts, "power: "+p.power.what+" ("+p.power.uri+")")
		}
		if p.energy != nil {
			parts = append(parts, "energy counter: "+p.energy.what+" ("+p.energy.uri+")")
		}
		if p.note != "" {
			parts = append(parts, p.note)
		}
		out[p.channel] = strings.Join(parts, "; ")
	}
	return out
}

// Channels lists the channel names, sorted.
func (m *bmc) Channels() []string {
	out := make([]string, 0, len(m.plans))
	for _, p := range m.plans {
		out = append(out, p.channel)
	}
	sort.Strings(out)
	return out
}

// ReadTimeout gives each read the configured per-request timeout: BMCs
// often answer in seconds (meter.ReadTimeouter).
func (m *bmc) ReadTimeout() time.Duration { return m.c.timeout }
