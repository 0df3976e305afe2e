package electricitymaps

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/analysis"
)

// Result is a zone's carbon intensity over a window.
type Result struct {
	Zone string
	// GCO2eqPerKWh is the time-weighted mean over the part of the window
	// the API's values cover.
	GCO2eqPerKWh       float64
	From, To           time.Time
	EmissionFactorType string  // as the API reports it: lifecycle or direct
	Points             int     // API values that overlap the window
	Estimated          int     // of which estimated by the API
	Coverage           float64 // fraction of the window covered, 0..1
	Endpoint           string  // "history" or "past-range"
	Source             string  // one line for summary.json's carbon source
	Warnings           []string
}

// Intensity returns the time-weighted mean carbon intensity (gCO2eq/kWh)
// of the zone over [from, to]. Each API value holds from its datetime for
// one step (the spacing of the values: an hour by default). A window of
// zero length takes the value that holds at that instant.
func (c *Client) Intensity(ctx context.Context, from, to time.Time) (*Result, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("electricity maps: the window ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	pts, endpoint, err := c.fetch(ctx, from, to)
	if err != nil {
		return nil, err
	}
	pts = usable(pts)
	step := stepOf(pts)
	r := &Result{Zone: c.zone, From: from, To: to, Endpoint: endpoint}
	window := to.Sub(from).Seconds()
	var weighted, covered float64
	factors := map[string]bool{}
	for _, p := range pts {
		start, end := p.Datetime, p.Datetime.Add(step)
		var w float64
		if window == 0 {
			if !from.Before(start) && from.Before(end) {
				w = 1
			}
		} else {
			w = overlap(start, end, from, to)
		}
		if w <= 0 {
			continue
		}
		weighted += w * *p.CarbonIntensity
		covered += w
		r.Points++
		if p.IsEstimated {
			r.Estimated++
		}
		if p.EmissionFactorType != "" {
			factors[p.EmissionFactorType] = true
		}
	}
	if r.Points == 0 {
		return nil, fmt.Errorf("%w: zone %s, %s to %s (%s endpoint, %d values outside it)", ErrNoData, c.zone,
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), endpoint, len(pts))
	}
	r.GCO2eqPerKWh = weighted / covered
	r.Coverage = 1
	if window > 0 {
		r.Coverage = math.Min(1, covered/window)
	}
	r.EmissionFactorType = factorName(factors, c.factor)
	if r.Coverage < 0.99 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("Electricity Maps values cover %.0f%% of the window; the intensity is the mean over that part", r.Coverage*100))
	}
	if r.Estimated > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d of %d Electricity Maps values are the API's estimates, not measured data", r.Estimated, r.Points))
	}
	r.Source = r.source(step)
	return r, nil
}

// CarbonIntensity expresses the result as the analysis package's
// intensity, for summary.json's carbon section.
func (r *Result) CarbonIntensity() analysis.CarbonIntensity {
	return analysis.CarbonIntensity{
		Name:         "Electricity Maps zone " + r.Zone,
		GCO2eqPerKWh: r.GCO2eqPerKWh,
		Year:         r.From.UTC().Year(),
		Source:       r.Source,
	}
}

func (r *Result) source(step time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Electricity Maps, zone %s, %s to %s: time-weighted mean of %d %s value(s), %s emission factors",
		r.Zone, r.From.UTC().Format(time.RFC3339), r.To.UTC().Format(time.RFC3339), r.Points, resolution(step), r.EmissionFactorType)
	if r.Estimated > 0 {
		fmt.Fprintf(&b, ", %d estimated", r.Estimated)
	}
	if r.Coverage < 0.99 {
		fmt.Fprintf(&b, ", covering %.0f%% of the window", r.Coverage*100)
	}
	return b.String()
}

// usable keeps the values that have a figure, sorted by time, one per
// datetime (past-range requests meet at their edges).
func usable(pts []point) []point {
	var out []point
	for _, p := range pts {
		if p.CarbonIntensity != nil && !math.IsNaN(*p.CarbonIntensity) && *p.CarbonIntensity >= 0 && !p.Datetime.IsZero() {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b point) int { return a.Datetime.Compare(b.Datetime) })
	return slices.CompactFunc(out, func(a, b point) bool { return a.Datetime.Equal(b.Datetime) })
}

// stepOf is how long each value holds: the smallest spacing between
// values (so a missing hour stays a gap rather than stretching its
// neighbour), or an hour, the API's default granularity.
func stepOf(pts []point) time.Duration {
	step := time.Duration(0)
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Datetime.Sub(pts[i-1].Datetime); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	if step == 0 {
		step = time.Hour
	}
	return step
}

// overlap is the length in seconds of [a0, a1) ∩ [b0, b1].
func overlap(a0, a1, b0, b1 time.Time) float64 {
	lo, hi := a0, a1
	if b0.After(lo) {
		lo = b0
	}
	if b1.Before(hi) {
		hi = b1
	}
	return math.Max(0, hi.Sub(lo).Seconds())
}

// factorName says which emission factors the values use: as the API
// reported them, else as asked for, else the API's documented default.
func factorName(seen map[string]bool, asked string) string {
	switch len(seen) {
	case 1:
		for f := range seen {
			return f
		}
	case 0:
		if asked != "" {
			return asked
		}
		return Lifecycle + " (the API's default)"
	}
	names := make([]string, 0, len(seen))
	for f := range seen {
		names = append(names, f)
	}
	slices.Sort(names)
	return "mixed (" + strings.Join(names, ", ") + ")"
}

func resolution(step time.Duration) string {
	switch step {
	case time.Hour:
		return "hourly"
	case 15 * time.Minute:
		return "15-minute"
	case 5 * time.Minute:
		return "5-minute"
	}
	return step.String()
}
