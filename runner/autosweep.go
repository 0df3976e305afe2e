package runner

import (
	"context"

	"github.com/aienergy/aienergy/load"
)

// An AutoSweep measures a model sequentially (one request at a time),
// then at its maximum throughput (MaxConcurrency in flight), then at
// RatesBetween open-loop request rates evenly spaced between the two
// achieved rates: the energy-vs-latency curve from idle-ish to saturated
// without knowing the server's capacity beforehand.
type AutoSweep struct {
	RatesBetween   int
	MaxConcurrency int
	// RateMaxConcurrency caps the requests in flight of the open-loop
	// points (load.Rate.MaxConcurrency); 0: no cap.
	RateMaxConcurrency int
	Arrival            load.Arrival
	Burstiness         float64 // with gamma arrivals
	Seed               int64
	Repetitions        int // 0 or 1: once
}

func (r *run) runAutoSweep(ctx context.Context) error {
	a := r.plan.AutoSweep
	reps := max(a.Repetitions, 1)
	for _, model := range r.plan.Models {
		for rep := 1; rep <= reps; rep++ {
			tag := 0
			if reps > 1 {
				tag = rep
			}
			low, err := r.runModel(ctx, model, Variant{Concurrency: 1, Repetition: tag})
			if err != nil {
				return err
			}
			high, err := r.runModel(ctx, model, Variant{Concurrency: a.MaxConcurrency, Repetition: tag})
			if err != nil {
				return err
			}
			if !(high > low) {
				r.warnf("%s: maximum throughput (%.3g req/s) is not above sequential (%.3g req/s): no rates in between to sweep", model, high, low)
				continue
			}
			for k := 1; k <= a.RatesBetween; k++ {
				rate := load.Rate{
					RPS:            low + (high-low)*float64(k)/float64(a.RatesBetween+1),
					Arrival:        a.Arrival,
					Burstiness:     a.Burstiness,
					Seed:           a.Seed + int64(k),
					MaxConcurrency: a.RateMaxConcurrency,
				}
				if _, err := r.runModel(ctx, model, Variant{Rate: &rate, Repetition: tag}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
