package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/internal/redact"
)

// A validator checks value ranges, enumerations and the rules that tie
// keys together, after decoding and resolving, collecting one error per
// problem at the place the offending key was set.
type validator struct {
	c    *Config
	errs Errors
}

func (v *validator) fail(key, format string, args ...any) {
	v.errs = append(v.errs, v.c.src.errKey(key, format, args...))
}

func (v *validator) atLeast(key string, got, least int) {
	if got < least {
		v.fail(key, "must be at least %d, got %d", least, got)
	}
}

func (v *validator) atMost(key string, got, most int) {
	if got > most {
		v.fail(key, "must be at most %d, got %d", most, got)
	}
}

// points checks the length of a sweep list.
func (v *validator) points(key string, n int) {
	if n > MaxSweepPoints {
		v.fail(key, "%d points; the limit is %d", n, MaxSweepPoints)
	}
}

// rate checks a request rate: above 0 and at most MaxRate.
func (v *validator) rate(key string, r float64, missing string) {
	switch {
	case !(r > 0):
		v.fail(key, missing, r)
	case r > MaxRate:
		v.fail(key, "must be at most %d requests per second, got %g", MaxRate, r)
	}
}

func (v *validator) atLeastFloat(key string, got, least float64) {
	if got < least {
		v.fail(key, "must be at least %g, got %g", least, got)
	}
}

func (v *validator) nonNegative(key string, got time.Duration) {
	if got < 0 {
		v.fail(key, "must not be negative, got %s", got)
	}
}

// oneOf checks an enumerated key; what names the thing ("backend type").
func (v *validator) oneOf(key, what, got string, valid []string) {
	if slices.Contains(valid, got) {
		return
	}
	list := strings.Join(valid, ", ")
	if got == "" {
		v.fail(key, "required (valid: %s)", list)
		return
	}
	hint := ""
	if c, ok := closest(got, valid); ok {
		hint = fmt.Sprintf("; did you mean %q?", c)
	}
	v.fail(key, "unknown %s %q (valid: %s%s)", what, got, list, hint)
}

func (c *Config) validate() Errors {
	v := &validator{c: c}
	if strings.TrimSpace(c.Name) == "" {
		v.fail("name", "must not be empty")
	}
	if !c.command {
		v.backend()
	}
	v.scenario()
	v.load()
	v.shard()
	v.sweep()
	v.phases()
	v.meters()
	if c.Sampling.Interval < time.Millisecond {
		v.fail("sampling.interval", "must be at least 1ms, got %s", c.Sampling.Interval)
	}
	v.metrics()
	v.reporters()
	if strings.TrimSpace(c.Output.Dir) == "" {
		v.fail("output.dir", "must not be empty")
	}
	return v.errs
}

func (v *validator) backend() {
	b := &v.c.Backend
	v.oneOf("backend.type", "backend type", b.Type, BackendTypes())
	switch {
	case b.Model != "" && len(b.Models) > 0:
		v.fail("backend.models", "give backend.model or backend.models, not both")
	case b.Model == "" && len(b.Models) == 0:
		v.fail("backend.model", "required: name the model to run (or list several in backend.models)")
	}
	seen := map[string]int{}
	for i, m := range b.Models {
		key := indexKey("backend.models", i)
		if strings.TrimSpace(m) == "" {
			v.fail(key, "must not be empty")
		} else if j, dup := seen[m]; dup {
			v.fail(key, "model %q is listed twice (also at backend.models[%d])", m, j)
		}
		seen[m] = i
	}
	if (b.Type != "sim" && slices.Contains(BackendTypes(), b.Type)) || b.Endpoint != "" {
		v.endpoint(b.Type, b.Endpoint)
	}
	v.oneOf("backend.api", "API", b.API, APIs)
	if b.Timeout <= 0 {
		v.fail("backend.timeout", "must be positive, got %s", b.Timeout)
	}
	for i, id := range b.DeviceIDs {
		v.atLeast(indexKey("backend.device_ids", i), id, 0)
	}
	if b.APIKeyEnv != "" && strings.ContainsAny(b.APIKeyEnv, "= \t") {
		v.fail("backend.api_key_env", "must be the name of an environment variable, not the key itself (not shown here: it may be a secret)")
	}
	if b.BatchSize < 0 {
		v.fail("backend.batch_size", "must be at least 1, got %d", b.BatchSize)
	}
	if b.Type == "sim" {
		if b.Endpoint != "" {
			v.fail("backend.endpoint", "backend.type sim runs the built-in simulator on a loopback port and would not measure %s: set backend.type (e.g. vllm or openai) to measure that server, or remove backend.endpoint", redact.URLs(b.Endpoint))
		}
		v.sim()
	}
}

func (v *validator) endpoint(backendType, endpoint string) {
	const key = "backend.endpoint"
	if endpoint == "" {
		v.fail(key, "required for backend type %s (e.g. http://localhost:8000/v1)", backendType)
		return
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.fail(key, "must be an http:// or https:// URL such as http://localhost:8000/v1, got %q", redact.URLs(endpoint))
	}
}

func (v *validator) sim() {
	s := &v.c.Backend.Sim
	v.nonNegative("backend.sim.ttft", s.TTFT)
	v.nonNegative("backend.sim.itl", s.ITL)
	v.atLeast("backend.sim.max_num_seqs", s.MaxNumSeqs, 1)
	v.atLeastFloat("backend.sim.idle_watts", s.IdleWatts, 0)
	v.atLeastFloat("backend.sim.watts_per_seq", s.WattsPerSeq, 0)
	if s.MaxWatts < s.IdleWatts {
		v.fail("backend.sim.max_watts", "must be at least backend.sim.idle_watts (%g), got %g", s.IdleWatts, s.MaxWatts)
	}
	v.atLeast("backend.sim.gpus", s.GPUs, 1)
	v.nonNegative("backend.sim.metrics_refresh", s.MetricsRefresh)
}

func (v *validator) scenario() {
	s := &v.c.Scenario
	if strings.TrimSpace(s.DatasetName) == "" {
		v.fail("scenario.dataset_name", "must not be empty (use %q for the built-in prompts)", BuiltinDataset)
	}
	if len(s.Prompts) > 0 && s.DatasetName != BuiltinDataset {
		v.fail("scenario.prompts", "give scenario.prompts or scenario.dataset_name %q, not both", s.DatasetName)
	}
	for i, p := range s.Prompts {
		if strings.TrimSpace(p) == "" {
			v.fail(indexKey("scenario.prompts", i), "must not be empty")
		}
	}
	v.atLeast("scenario.num_samples", s.NumSamples, 1)
	g := &s.GenerateKwargs
	v.atLeast("scenario.generate_kwargs.max_new_tokens", g.MaxTokens, 0)
	v.atLeast("scenario.generate_kwargs.min_new_tokens", g.MinTokens, 0)
	if g.MaxTokens > 0 && g.MinTokens > g.MaxTokens {
		v.fail("scenario.generate_kwargs.min_new_tokens", "must not exceed max_new_tokens (%d), got %d", g.MaxTokens, g.MinTokens)
	}
	if g.Temperature != nil {
		v.atLeastFloat("scenario.generate_kwargs.temperature", *g.Temperature, 0)
	}
}

func (v *validator) load() {
	l := &v.c.Load
	v.oneOf("load.mode", "load mode", l.Mode, LoadModes)
	v.atLeast("load.concurrency", l.Concurrency, 1)
	v.atMost("load.concurrency", l.Concurrency, MaxConcurrency)
	v.nonNegative("load.duration", l.Duration)
	v.atLeast("load.max_concurrency", l.MaxConcurrency, 0)
	v.atMost("load.max_concurrency", l.MaxConcurrency, MaxConcurrency)
	if !(l.MaxFailureRatio >= 0 && l.MaxFailureRatio <= 1) {
		v.fail("load.max_failure_ratio", "must be a share from 0 to 1, got %g", l.MaxFailureRatio)
	}
	if l.Profile != "" {
		v.oneOf("load.profile", "load profile", l.Profile, LoadProfiles)
		if len(v.c.Sweep.Concurrency)+len(v.c.Sweep.Rates) > 0 {
			v.fail("load.profile", "give a load profile or a sweep, not both")
		}
	}
	if l.Mode == "rate" {
		v.rate("load.rate", l.Rate, "required for mode rate: requests per second, e.g. 10 (got %g)")
		v.oneOf("load.arrival", "arrival", l.Arrival, Arrivals)
		switch {
		case l.Arrival == "gamma" && !(l.Burstiness > 0):
			v.fail("load.burstiness", "required for gamma arrivals: the gamma shape (1 is Poisson, below 1 burstier)")
		case l.Arrival != "gamma" && l.Burstiness != 0:
			v.fail("load.burstiness", "applies to gamma arrivals only (load.arrival is %s)", l.Arrival)
		}
	}
	// An unset request count follows scenario.num_samples, which is
	// checked there; only an explicit one is checked here.
	if l.Duration == 0 && v.c.src.set("load.requests") {
		v.atLeast("load.requests", l.Requests, 1)
	}
}

// maxShards bounds load.shard.count: far more load generators than any
// cluster needs, and a typo's guard.
const maxShards = 10000

// shard checks load.shard: a share that every shard can send, of a load
// that can be shared without a coordinator.
func (v *validator) shard() {
	c := v.c
	s := c.Load.Shard
	if s == nil {
		return
	}
	v.atLeast("load.shard.count", s.Count, 1)
	v.atMost("load.shard.count", s.Count, maxShards)
	if s.Index < 0 || (s.Count >= 1 && s.Index >= s.Count) {
		v.fail("load.shard.index", "must be from 0 to load.shard.count − 1 (%d), got %d", max(s.Count-1, 0), s.Index)
	}
	if s.StartAt == "" {
		v.fail("load.shard.start_at", "required: the time (RFC 3339, e.g. 2026-05-01T10:00:00Z) at which every shard begins its measured phase")
	} else if _, err := time.Parse(time.RFC3339, s.StartAt); err != nil {
		v.fail("load.shard.start_at", "must be an RFC 3339 time such as 2026-05-01T10:00:00Z, got %q", s.StartAt)
	}
	if s.Count <= 1 {
		return // one shard sends everything: any load can
	}
	n := s.Count
	switch {
	case c.Backend.Type == "sim":
		v.fail("load.shard.count", "with backend.type sim every shard would start its own simulator: run `aienergy sim` once and point every shard's backend.endpoint at it")
	case c.Backend.Launch != "":
		v.fail("load.shard.count", "with backend.launch every shard would start its own server: launch it once, outside the shards")
	}
	closed := c.Load.Mode != "rate" && len(c.Sweep.Rates) == 0
	if closed && c.Load.Mode == "sequential" && len(c.Sweep.Concurrency) == 0 {
		v.fail("load.shard.count", "mode sequential sends one request at a time, which %d shards cannot share: use mode concurrency or rate", n)
		return
	}
	if c.Load.Profile != "" {
		v.fail("load.shard.count", "a load profile's stages are not shared between shards: list the points in sweep.concurrency instead")
	}
	if c.Sweep.RatesBetween > 0 {
		v.fail("load.shard.count", "an automatic sweep (sweep.rates_between) steers by the rate one process achieves: list the rates in sweep.rates instead")
	}
	if closed && len(c.Sweep.Concurrency) == 0 && c.Load.Concurrency < n {
		v.fail("load.shard.count", "%d shards need load.concurrency %d or more (one worker each), got %d", n, n, c.Load.Concurrency)
	}
	for i, conc := range c.Sweep.Concurrency {
		if conc < n {
			v.fail(indexKey("sweep.concurrency", i), "%d shards need a concurrency of %d or more (one worker each), got %d", n, n, conc)
		}
	}
	if closed && c.Load.Duration == 0 && c.Load.Requests < n {
		v.fail("load.shard.count", "%d shards need load.requests %d or more (one each), got %d", n, n, c.Load.Requests)
	}
	if !closed && c.Load.MaxConcurrency > 0 && c.Load.MaxConcurrency < n {
		v.fail("load.max_concurrency", "is shared by %d shards: set %d or more, or 0 for no cap, got %d", n, n, c.Load.MaxConcurrency)
	}
}

func (v *validator) phases() {
	p := &v.c.Phases
	v.nonNegative("phases.idle_before", p.IdleBefore)
	v.atLeast("phases.warmup_requests", p.WarmupRequests, 0)
	v.nonNegative("phases.idle_after", p.IdleAfter)
}

func (v *validator) meters() {
	names := map[string]string{}
	for i, m := range v.c.Meters {
		key := indexKey("meters", i)
		if strings.TrimSpace(m.Type) == "" {
			v.fail(key+".type", "required: say what kind of meter this is (e.g. nvml, rapl, exporter)")
			continue
		}
		if first, dup := names[m.Name]; dup {
			v.fail(key+".name", "duplicate meter name %q (also %s); give each meter its own name", m.Name, first)
		}
		names[m.Name] = key
	}
}

// reporters checks only that each reporter says its type: the kinds are
// the sink package's, registered there, and the CLI checks types and
// options against them when it plans a run (cfg.ReporterKey places its
// errors).
func (v *validator) reporters() {
	for i, r := range v.c.Reporters {
		if strings.TrimSpace(r.Type) == "" {
			v.fail(v.c.ReporterKey(i)+".type", "required: say what kind of reporter this is (a file such as csv, or a sink)")
		}
	}
}

// ReporterKey is the dotted key of the i-th reporter as its file wrote
// it: "reporter" for the single-mapping form, else "reporter[i]".
func (c *Config) ReporterKey(i int) string {
	if c.src != nil && c.src.set(indexKey("reporter", i)) {
		return indexKey("reporter", i)
	}
	return "reporter"
}

func (v *validator) metrics() {
	m := &v.c.Metrics
	v.oneOf("metrics.type", "metrics type", m.Type, MetricsTypes)
	if cc := m.CountryISOCode; cc != "" && !isCountryCode(cc) {
		v.fail("metrics.country_iso_code", "expected an ISO 3166-1 code such as USA (or US), got %q", cc)
	}
	if m.CarbonIntensity != nil {
		v.atLeastFloat("metrics.carbon_intensity", *m.CarbonIntensity, 0)
	}
	v.atLeastFloat("metrics.pue", m.PUE, 1)
	if m.PUE > 10 { // the analysis refuses more: no data centre is that wasteful
		v.fail("metrics.pue", "must be at most 10, got %g", m.PUE)
	}
}

// isCountryCode accepts ISO 3166-1 alpha-3 (USA) and alpha-2 (US) codes;
// the plan turns alpha-2 into alpha-3, which CodeCarbon's files carry.
func isCountryCode(s string) bool {
	if len(s) != 2 && len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func (v *validator) sweep() {
	c := v.c
	if c.Repetitions < 1 {
		v.fail("repetitions", "must be at least 1, got %d", c.Repetitions)
	}
	v.atMost("repetitions", c.Repetitions, MaxRepetitions)
	sw := c.Sweep
	if len(sw.Concurrency) > 0 && len(sw.Rates) > 0 {
		v.fail("sweep.rates", "give sweep.concurrency or sweep.rates, not both")
	}
	if sw.RatesBetween < 0 {
		v.fail("sweep.rates_between", "must be 0 or more, got %d", sw.RatesBetween)
	}
	v.atMost("sweep.rates_between", sw.RatesBetween, MaxSweepPoints)
	v.points("sweep.concurrency", len(sw.Concurrency))
	v.points("sweep.rates", len(sw.Rates))
	if sw.RatesBetween > 0 && len(sw.Concurrency)+len(sw.Rates) > 0 {
		v.fail("sweep.rates_between", "an automatic sweep picks its own points: leave out sweep.concurrency and sweep.rates")
	}
	v.atLeast("sweep.max_concurrency", sw.MaxConcurrency, 1)
	v.atMost("sweep.max_concurrency", sw.MaxConcurrency, MaxConcurrency)
	for i, n := range sw.Concurrency {
		v.atLeast(indexKey("sweep.concurrency", i), n, 1)
		v.atMost(indexKey("sweep.concurrency", i), n, MaxConcurrency)
	}
	for i, r := range sw.Rates {
		v.rate(indexKey("sweep.rates", i), r, "must be a positive rate in requests per second, got %g")
	}
	v.gpuSweep()
	if len(v.errs) == 0 {
		v.runs()
	}
	if len(sw.Rates) > 0 && c.Load.Mode != "rate" && v.c.src.set("load.mode") {
		v.fail("load.mode", "sweep.rates needs load.mode rate (or leave load.mode unset)")
	}
	for key, x := range map[string]float64{"slo.ttft_ms": c.SLO.TTFTMs, "slo.tpot_ms": c.SLO.TPOTMs, "slo.e2e_ms": c.SLO.E2EMs} {
		if x < 0 {
			v.fail(key, "must be a positive number of milliseconds, got %g", x)
		}
	}
}

// runs checks how many model runs the plan holds: models × sweep points
// (or load stages) × 2 with prefill_decode × repetitions. Each factor has
// passed its own limit, so the product cannot overflow.
func (v *validator) runs() {
	c := v.c
	points, what := 1, "sweep points"
	switch {
	case c.Sweep.RatesBetween > 0:
		points = 2 + c.Sweep.RatesBetween // sequential, maximum, the rates between
	case len(c.Sweep.Concurrency) > 0:
		points = len(c.Sweep.Concurrency)
	case len(c.Sweep.Rates) > 0:
		points = len(c.Sweep.Rates)
	case c.Load.Profile == "all":
		points, what = len(LoadProfiles)-1, "load stages"
	}
	models := max(len(c.Models()), 1)
	n := models * points * c.Repetitions
	parts := []string{fmt.Sprintf("%d models", models)}
	if points > 1 {
		parts = append(parts, fmt.Sprintf("%d %s", points, what))
	}
	if c.Scenario.PrefillDecode && c.Sweep.RatesBetween == 0 {
		n *= 2
		parts = append(parts, "2 for prefill_decode")
	}
	if c.Repetitions > 1 {
		parts = append(parts, fmt.Sprintf("%d repetitions", c.Repetitions))
	}
	if g := max(len(c.Sweep.PowerLimitsW), 1) * max(len(c.Sweep.GPUClocksMHz), 1); g > 1 {
		n *= g
		parts = append(parts, fmt.Sprintf("%d GPU settings", g))
	}
	if n <= MaxRuns {
		return
	}
	key := "backend.models"
	for _, k := range []string{"repetitions", "sweep.concurrency", "sweep.rates", "sweep.rates_between", "sweep.power_limits_w", "sweep.gpu_clocks_mhz", "scenario.prefill_decode"} {
		if c.src.set(k) {
			key = k
			break
		}
	}
	v.fail(key, "runs %d model variants (%s); the limit is %d", n, strings.Join(parts, " × "), MaxRuns)
}

// gpuSweep checks sweep.power_limits_w, sweep.gpu_clocks_mhz and the
// gpu_control block that sets them. Each GPU's own range is checked when
// the run starts, where the GPUs are.
func (v *validator) gpuSweep() {
	c := v.c
	sw := c.Sweep
	v.points("sweep.power_limits_w", len(sw.PowerLimitsW))
	v.points("sweep.gpu_clocks_mhz", len(sw.GPUClocksMHz))
	seenW := map[float64]int{}
	for i, w := range sw.PowerLimitsW {
		key := indexKey("sweep.power_limits_w", i)
		if j, dup := seenW[w]; dup {
			v.fail(key, "%g W is listed twice (also at sweep.power_limits_w[%d]); use repetitions to measure a point again", w, j)
		} else if !(w > 0 && w <= MaxPowerLimitW) {
			v.fail(key, "must be a power limit in watts, above 0 and at most %d, got %g", MaxPowerLimitW, w)
		}
		seenW[w] = i
	}
	seenMHz := map[int]int{}
	for i, mhz := range sw.GPUClocksMHz {
		key := indexKey("sweep.gpu_clocks_mhz", i)
		if j, dup := seenMHz[mhz]; dup {
			v.fail(key, "%d MHz is listed twice (also at sweep.gpu_clocks_mhz[%d]); use repetitions to measure a point again", mhz, j)
		} else if mhz < 1 || mhz > MaxClockMHz {
			v.fail(key, "must be a graphics clock in MHz, 1 to %d, got %d", MaxClockMHz, mhz)
		}
		seenMHz[mhz] = i
	}
	g := c.GPUControl
	if g.Type != "" {
		v.oneOf("gpu_control.type", "GPU control type", g.Type, GPUControlTypes)
	}
	for i, d := range g.Devices {
		if err := gpuctl.ValidRef(d); err != nil {
			v.fail(indexKey("gpu_control.devices", i), "%v", err)
		}
	}
	if g.URL != "" {
		if u, err := url.Parse(g.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail("gpu_control.url", "must be the http:// URL of an aienergy sim, such as http://127.0.0.1:8000, got %q", redact.URLs(g.URL))
		}
	}
	if !c.SweepsGPU() {
		return
	}
	if sw.RatesBetween > 0 {
		v.fail("sweep.rates_between", "an automatic sweep cannot be combined with sweep.power_limits_w or sweep.gpu_clocks_mhz: list sweep.concurrency or sweep.rates instead")
	}
	switch c.GPUControlType() {
	case "sim":
		switch {
		case c.Backend.Type != "sim" && g.URL == "":
			v.fail("gpu_control.type", "gpu_control.type sim sets the built-in simulator's GPUs, but backend.type is %s: give gpu_control.url, the address of the aienergy sim to set, or use gpu_control.type nvml", c.Backend.Type)
		case c.Backend.Type == "sim" && g.URL != "":
			v.fail("gpu_control.url", "backend.type sim measures the built-in simulator, whose GPUs are set: leave gpu_control.url out")
		}
	case "nvml":
		if c.Backend.Type == "sim" {
			v.fail("gpu_control.type", "backend.type sim measures the simulator's modeled GPUs, which only gpu_control.type sim sets: leave gpu_control.type out")
		}
		if g.URL != "" {
			v.fail("gpu_control.url", "applies to gpu_control.type sim only")
		}
	}
}
