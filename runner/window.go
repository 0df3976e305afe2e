package runner

import (
	"context"
	"time"

	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
)

// windowReadTimeout bounds the after-run query of a time-series store.
const windowReadTimeout = time.Minute

// readWindows asks every meter backed by a time-series store for its raw
// samples of the whole run, with the store's timestamps, and records them
// under the meter's name. They are what the figures use; the live reads
// remain as a fallback (when this fails) and a cross-check.
func (r *run) readWindows(ctx context.Context, origin time.Time) {
	r.awaitStores(ctx)
	for _, m := range r.meters {
		// useMeter renamed the live reads of each store-backed meter
		// (meter.Rename); the store's samples take the meter's own name.
		store := meter.Unwrap(m)
		wr, ok := meter.As[meter.WindowReader](store)
		if !ok {
			continue
		}
		info := r.metaMeter(store.Name())
		// A margin of one interval on each side gives the edges of the
		// first and last phase a sample to interpolate from.
		margin := r.plan.SampleInterval + time.Second
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), windowReadTimeout)
		rs, err := wr.ReadWindow(wctx, origin.Add(-margin), time.Now().Add(margin))
		cancel()
		if err != nil {
			info.WindowError = r.plan.Redact.String(err.Error())
			r.warnf("meter %s: reading the run back from the store failed, the figures use the live reads: %v", store.Name(), err)
			continue
		}
		for i := range rs {
			rs[i].Meter = store.Name()
		}
		r.out.Readings(rs)
		info.WindowSamples = len(rs)
	}
}

// metaMeter is the run.json entry of the named meter.
func (r *run) metaMeter(name string) *rundir.Meter {
	for i := range r.meta.Meters {
		if r.meta.Meters[i].Name == name {
			return &r.meta.Meters[i]
		}
	}
	r.meta.Meters = append(r.meta.Meters, rundir.Meter{Name: name})
	return &r.meta.Meters[len(r.meta.Meters)-1]
}

// maxStoreWait caps the wait for a store to receive the run's last samples.
const maxStoreWait = 30 * time.Second

// awaitStores waits, before reading the stores back, for about one update
// of the slowest store-backed meter (as the sampler saw its values change:
// Prometheus' scrape interval, SmartWatts' reporting period) plus a
// second, so that the run's last samples have reached the store.
func (r *run) awaitStores(ctx context.Context) {
	var wait time.Duration
	for _, mt := range r.meta.Meters {
		if mt.LiveName == "" {
			continue
		}
		wait = max(wait, time.Duration(mt.UpdateIntervalS*float64(time.Second))+time.Second)
	}
	if wait == 0 || ctx.Err() != nil {
		return
	}
	r.progress.setPhase("store read-back", 0, min(wait, maxStoreWait))
	sleep(ctx, min(wait, maxStoreWait))
}
