package load

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Arrival names the distribution of the gaps between scheduled requests.
type Arrival string

const (
	// ArrivalPoisson: exponential gaps, the memoryless arrivals of many
	// independent users. The default when Arrival is empty.
	ArrivalPoisson Arrival = "poisson"
	// ArrivalGamma: gamma gaps with shape Burstiness, as vLLM's
	// --burstiness: 1 is Poisson, below 1 burstier, above 1 more regular.
	ArrivalGamma Arrival = "gamma"
	// ArrivalConstant: every gap exactly 1/RPS.
	ArrivalConstant Arrival = "constant"
)

// gaps draws the seconds between consecutive scheduled requests. The same
// seed gives the same sequence, so a run's schedule can be repeated and
// two servers compared under identical traffic.
type gaps struct {
	rng   *rand.Rand
	kind  Arrival
	rps   float64
	mean  float64 // seconds: 1/RPS
	shape float64 // gamma shape; 1 for Poisson
}

// seedStream is the PCG stream constant; fixed so that a seed alone
// determines the schedule.
const seedStream = 0x6c6f61645f726174 // "load_rat"

func newGaps(kind Arrival, rps, shape float64, seed int64) *gaps {
	return &gaps{
		rng:   rand.New(rand.NewPCG(uint64(seed), seedStream)),
		kind:  kind,
		rps:   rps,
		mean:  1 / rps,
		shape: shape,
	}
}

// next returns the next gap in seconds.
func (g *gaps) next() float64 {
	switch g.kind {
	case ArrivalConstant:
		return g.mean
	case ArrivalGamma:
		// Scale mean/shape keeps the mean gap at 1/RPS whatever the
		// shape, so burstiness changes the spread and not the rate.
		return gammaDraw(g.rng, g.shape) * g.mean / g.shape
	default:
		return g.rng.ExpFloat64() * g.mean
	}
}

// gammaDraw returns a Gamma(shape, 1) variate by Marsaglia and Tsang's
// method ("A simple method for generating gamma variables", 2000); for
// shape < 1 it uses their boost Gamma(shape+1)·U^(1/shape). The standard
// library has no gamma sampler.
func gammaDraw(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := rng.Float64()
		for u == 0 {
			u = rng.Float64()
		}
		return gammaDraw(rng, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if u > 0 && math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// validate reports the first setting that cannot describe a schedule.
func (r Rate) validate() error {
	switch {
	case math.IsNaN(r.RPS) || math.IsInf(r.RPS, 0) || r.RPS <= 0:
		return fmt.Errorf("load: rate %v req/s: set a request rate above 0 (for example 10)", r.RPS)
	case r.Requests < 0:
		return fmt.Errorf("load: %d requests: set 0 (no limit) or a positive count", r.Requests)
	case r.Duration < 0:
		return fmt.Errorf("load: duration %v: set 0 (no limit) or a positive duration", r.Duration)
	case r.MaxConcurrency < 0:
		return fmt.Errorf("load: max concurrency %d: set 0 (unbounded) or a positive cap", r.MaxConcurrency)
	case math.IsNaN(r.Burstiness) || math.IsInf(r.Burstiness, 0) || r.Burstiness < 0:
		return fmt.Errorf("load: burstiness %v: set a gamma shape above 0 (1 = Poisson, below 1 burstier)", r.Burstiness)
	}
	switch r.arrival() {
	case ArrivalPoisson, ArrivalConstant:
		if r.Burstiness != 0 && r.Burstiness != 1 {
			return fmt.Errorf("load: burstiness %v applies only to %q arrivals, not %q: set arrival to %q or remove burstiness",
				r.Burstiness, ArrivalGamma, r.arrival(), ArrivalGamma)
		}
	case ArrivalGamma:
		if r.Burstiness == 0 {
			return fmt.Errorf("load: %q arrivals need a burstiness (gamma shape above 0; 1 = Poisson, below 1 burstier)", ArrivalGamma)
		}
	default:
		return fmt.Errorf("load: arrival %q unknown: use %q, %q or %q", r.Arrival, ArrivalPoisson, ArrivalGamma, ArrivalConstant)
	}
	return nil
}

func (r Rate) arrival() Arrival {
	if r.Arrival == "" {
		return ArrivalPoisson
	}
	return r.Arrival
}

func (r Rate) shape() float64 {
	if r.arrival() == ArrivalGamma {
		return r.Burstiness
	}
	return 1
}

// Offsets returns the first n scheduled send times as offsets from the
// start of the run: the schedule Run follows for the same settings. Use it
// to show or record a plan without sending anything.
func (r Rate) Offsets(n int) ([]time.Duration, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	s := r.newSchedule()
	out := make([]time.Duration, 0, n)
	for range n {
		off, ok := s.next()
		if !ok {
			break
		}
		out = append(out, off)
	}
	return out, nil
}

// schedule turns gaps into absolute offsets. The offsets are a running
// float sum converted once, so rounding never accumulates into drift.
type schedule struct {
	g        *gaps
	sum      float64 // seconds from start of the next request
	n        int
	requests int
	limit    time.Duration
}

func (r Rate) newSchedule() *schedule {
	return &schedule{g: newGaps(r.arrival(), r.RPS, r.shape(), r.Seed), requests: r.Requests, limit: r.Duration}
}

// next returns the offset of the next request, or false when the request
// count or duration is used up. The first request goes at offset 0, as in
// vLLM's benchmark, and each later one a drawn gap after the previous.
func (s *schedule) next() (time.Duration, bool) {
	if s.requests > 0 && s.n >= s.requests {
		return 0, false
	}
	off := time.Duration(math.Round(s.sum * 1e9))
	if s.g.kind == ArrivalConstant {
		// n/RPS exactly: a summed 1/RPS can land a hair under a round
		// duration and let one extra request in.
		off = time.Duration(math.Round(float64(s.n) / s.g.rps * 1e9))
	}
	if s.limit > 0 && off >= s.limit {
		return 0, false
	}
	s.n++
	s.sum += s.g.next()
	return off, true
}
