package influx

import (
	"context"
	"fmt"
	"time"
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
