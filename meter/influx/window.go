package influx

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// PowerOverWindow returns, per channel, every point SmartWatts wrote with
// from <= T <= to, in time order, at the timestamps it wrote — for
// integrating energy over the run window after the run. Ask for a window a
// little wider than the run to have a point on each side of its edges.
// A selected target (from an explicit targets: list) without points in the
// window is an error: an energy total silently missing it would be wrong.
func (m *Meter) PowerOverWindow(ctx context.Context, from, to time.Time) (map[string][]Point, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("meter %s: window from %s to %s is empty", m.name, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	ctx, cancel := context.WithTimeout(ctx, max(m.cfg.timeout, minWindowTimeout))
	defer cancel()
	d, err := m.lang(ctx)
	if err != nil {
		return nil, err
	}
	sel := &m.cfg.sel
	ss, err := d.window(ctx, sel, from, to)
	if err != nil {
		return nil, err
	}
	chans, err := assemble(ss, sel, m.cfg.component)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", d.where(), m.cfg.shown, err)
	}
	span := fmt.Sprintf("between %s and %s", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	if missing := missingTargets(ss, sel); len(chans) == 0 || len(missing) > 0 {
		narrowed := *sel
		if len(missing) > 0 {
			narrowed.targets = missing
		}
		return nil, m.noPoints(ctx, d, span, &narrowed)
	}
	m.remember(chans)
	out := make(map[string][]Point, len(chans))
	for _, c := range chans {
		out[c.name] = c.points
	}
	return out, nil
}

// missingTargets lists the explicitly selected targets no series had a point for.
func missingTargets(ss []series, sel *selection) []string {
	if sel.all {
		return nil
	}
	seen := map[string]bool{}
	for _, s := range ss {
		if sel.keeps(s.tags) && len(s.points) > 0 {
			seen[s.tags[sel.targetTag]] = true
		}
	}
	var missing []string
	for _, t := range sel.targets {
		if !seen[t] {
			missing = append(missing, t)
		}
	}
	return missing
}

var _ meter.WindowReader = (*Meter)(nil)

// ReadWindow is PowerOverWindow as the runner wants it: one reading per
// point, stamped with SmartWatts' own timestamp, in time order (channels
// by name within one instant). The runner files these under the meter's
// name in place of the live reads, which trail them by SmartWatts' delay.
// Meter is left empty for the runner to fill; Joules is NaN, as SmartWatts
// writes power only.
func (m *Meter) ReadWindow(ctx context.Context, from, to time.Time) ([]meter.Reading, error) {
	byChan, err := m.PowerOverWindow(ctx, from, to)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(byChan))
	n := 0
	for name, pts := range byChan {
		names = append(names, name)
		n += len(pts)
	}
	sort.Strings(names)
	out := make([]meter.Reading, 0, n)
	for _, name := range names {
		comp, _ := m.Component(name) // PowerOverWindow has just remembered it
		for _, p := range byChan[name] {
			out = append(out, meter.Reading{Channel: name, Component: comp, Time: p.T, Watts: p.Watts, Joules: meter.NoValue})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
