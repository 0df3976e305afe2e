package promquery

import (
	"context"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("prometheus", parse) }

// parse builds the meter whole: New contacts no server, and its HTTP
// client connects on the first query.
func parse(spec meter.Spec) (meter.Opener, error) {
	m, err := New(spec)
	if err != nil {
		return nil, err
	}
	return meter.Ready(m), nil
}

const (
	defaultTimeout    = 5 * time.Second
	minWindowTimeout  = 30 * time.Second // range queries over a long run take longer than a live read
	defaultMargin     = 5 * time.Minute  // Prometheus' lookback delta: a live series has a sample this close
	defaultStep       = time.Second
	maxPointsPerQuery = 10000 // Prometheus refuses query_range above 11000 points per series
)

// WindowMeter is what the analysis asserts a meter.Meter to when it wants
// energy from the meter's own store rather than from sampled readings.
type WindowMeter interface {
	EnergyOverWindow(ctx context.Context, from, to time.Time) (map[string]ChannelEnergy, error)
}

// Meter is a configured "prometheus" meter. It is safe for concurrent use.
type Meter struct {
	name     string
	spec     meter.Spec // for Unavailable errors
	api      *client
	selector string
	preset   string
	queries  []compiled
	timeout  time.Duration
	margin   time.Duration
	step     time.Duration
}

// compiled is a query with the selector in place.
type compiled struct {
	query
	promql string // what is sent
	bare   bool   // a bare selector: raw samples come from promql + "[range]"
	metric string // its metric name, "" for expressions
}

var (
	_ meter.Meter = (*Meter)(nil)
	_ WindowMeter = (*Meter)(nil)
)

// Name returns the configured name.
func (m *Meter) Name() string { return m.name }

// Close drops kept-alive connections.
func (m *Meter) Close() error {
	m.api.close()
	return nil
}

// ReadTimeout gives each live query its configured timeout
// (meter.ReadTimeouter).
func (m *Meter) ReadTimeout() time.Duration { return m.timeout }
