package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// Run executes plan and writes its run directory. It returns the
// directory's path; on interruption (ctx canceled) it still finalizes the
// directory, marks it interrupted and returns ctx's error.
func Run(ctx context.Context, plan Plan, progress *Progress) (string, error) {
	r := &run{plan: plan, progress: progress}
	r.meta.Models = plan.Models
	prepare := func(ctx context.Context) error {
		if plan.Launch != nil {
			return nil // the server starts inside the run, so its start-up is measured
		}
		return r.openBackend(ctx)
	}
	body := r.runModels
	if plan.Launch != nil {
		body = func(ctx context.Context) error {
			stop, err := r.launchServer(ctx)
			defer stop()
			if err != nil {
				return err
			}
			r.startPending(ctx)
			if err := r.openBackend(ctx); err != nil {
				return err
			}
			return r.runModels(ctx)
		}
	}
	return r.execute(ctx, prepare, r.plan.GPU.guard(body, r.warnf))
}

type run struct {
	plan     Plan
	progress *Progress
	meta     rundir.Meta
	out      *rundir.Writer
	backend  backend.Backend
	meters   []meter.Meter
	sampler  *meter.Sampler

	// pending are meters that did not answer before a launched server
	// started (its own /metrics cannot), probed again once it is healthy
	// and then read by the late sampler.
	pending    []pendingMeter
	late       *meter.Sampler
	samplerCtx context.Context
}

type pendingMeter struct {
	spec meter.Spec
	m    meter.Meter
	info int // its entry in meta.Meters
}

// execute runs the parts every run has — meters, sampler, run directory,
// finalization — around body. prepare runs first, before anything is
// written, so that a server that is down leaves no half run behind.
func (r *run) execute(ctx context.Context, prepare, body func(context.Context) error) (dir string, err error) {
	if r.plan.Log == nil {
		r.plan.Log = logging.New(os.Stderr, r.plan.Redact, slog.LevelInfo)
	}
	models := r.meta.Models
	r.meta = r.plan.Meta
	r.meta.Tool = "aienergy"
	r.meta.Host = hostInfo()
	r.meta.Models = models
	r.meta.RunID = filepath.Base(r.plan.Output)
	defer r.closeAll()

	if prepare != nil {
		if err := prepare(ctx); err != nil {
			return "", err
		}
	}
	if err := r.openMeters(ctx); err != nil {
		return "", err
	}

	origin := time.Now()
	r.meta.StartedAt = origin
	r.out, err = rundir.Create(r.plan.Output, origin)
	if err != nil {
		return "", err
	}
	dir = r.plan.Output
	if err := rundir.WriteFileAtomic(filepath.Join(dir, rundir.ConfigFile), r.plan.ConfigYAML); err != nil {
		return dir, err
	}
	if err := rundir.WriteJSON(dir, rundir.MetaFile, r.meta); err != nil {
		return dir, err
	}

	r.plan.Live.Run(r.meta.Name, r.meta.RunID)
	r.sampler = meter.NewSampler(r.meters, r.plan.SampleInterval, r.record)
	var stopSampler context.CancelFunc
	r.samplerCtx, stopSampler = context.WithCancel(context.WithoutCancel(ctx))
	defer stopSampler()
	r.sampler.Start(r.samplerCtx)
	r.progress.start(r.sampler)

	runErr := body(ctx)
	r.plan.Live.Phase("", "")

	r.progress.stop()
	stats := r.sampler.Stop()
	if r.late != nil {
		stats = append(stats, r.late.Stop()...)
	}
	r.recordMeterStats(stats)
	r.readWindows(ctx, origin)
	closeErr := r.out.Close()
	r.meta.EndedAt = time.Now()
	r.meta.Interrupted = ctx.Err() != nil
	if runErr != nil && !r.meta.Interrupted {
		r.meta.Error = r.plan.Redact.String(runErr.Error())
	}
	metaErr := rundir.WriteJSON(dir, rundir.MetaFile, r.meta)
	return dir, errors.Join(runErr, closeErr, metaErr)
}

func (r *run) openBackend(ctx context.Context) error {
	b, err := backend.New(ctx, r.plan.BackendType, r.plan.Backend)
	if err != nil {
		return err
	}
	r.backend = b
	for _, m := range r.plan.Models {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := b.Check(cctx, m)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// openMeters creates every configured meter and reads it once. A meter
// that cannot be created or read is left out of the run, and the reason
// is recorded and shown: a run with no meter still completes, without
// energy figures. Before a launched server starts, a meter that cannot
// be read yet waits for startPending instead.
func (r *run) openMeters(ctx context.Context) error {
	for _, spec := range r.plan.Meters {
		info := rundir.Meter{Name: spec.Name, Type: spec.Type, IntervalS: r.plan.SampleInterval.Seconds()}
		m, err := meter.New(ctx, spec)
		switch {
		case ctx.Err() != nil: // Ctrl-C while a meter opened
			if m != nil {
				m.Close()
			}
			return ctx.Err()
		case err != nil && meter.IsOptionMistake(spec, err):
			return err // the config's mistake, fatal like any bad key
		}
		if err == nil {
			if err = probe(ctx, m); err != nil && r.plan.Launch != nil {
				r.pending = append(r.pending, pendingMeter{spec: spec, m: m, info: len(r.meta.Meters)})
				r.meta.Meters = append(r.meta.Meters, info)
				continue
			}
			if err != nil {
				m.Close()
			}
		}
		if err != nil {
			r.dropMeter(spec, &info, err)
		} else {
			r.useMeter(spec, m, &info)
		}
		r.meta.Meters = append(r.meta.Meters, info)
	}
	if len(r.meters) == 0 && len(r.pending) == 0 {
		r.warnf("no power meter is available: this run reports no energy figures (see aienergy meters)")
	}
	return nil
}

// startPending probes the meters that could not be read before the
// launched server started, now that it is healthy, and samples those that
// answer from here on; the server's start-up is measured by the others.
func (r *run) startPending(ctx context.Context) {
	if len(r.pending) == 0 {
		return
	}
	var late []meter.Meter
	for _, p := range r.pending {
		info := &r.meta.Meters[p.info]
		if err := probe(ctx, p.m); err != nil {
			p.m.Close()
			r.dropMeter(p.spec, info, err)
			continue
		}
		late = append(late, r.useMeter(p.spec, p.m, info))
	}
	r.pending = nil
	if len(r.meters) == 0 {
		r.warnf("no power meter is available: this run reports no energy figures (see aienergy meters)")
	}
	if len(late) > 0 {
		r.late = meter.NewSampler(late, r.plan.SampleInterval, r.record)
		r.late.Start(r.samplerCtx)
		r.progress.watch(r.late)
	}
}

// warnf logs a warning about the run, masked of its secrets.
func (r *run) warnf(format string, args ...any) {
	r.plan.Log.Warn(r.plan.Redact.String(fmt.Sprintf(format, args...)))
}

// probe reads m once, as the sampler will: a meter that cannot is not used.
func probe(ctx context.Context, m meter.Meter) error {
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := m.Read(pctx)
	return err
}

// dropMeter records and shows why a configured meter is not used.
func (r *run) dropMeter(spec meter.Spec, info *rundir.Meter, err error) {
	info.Error = r.plan.Redact.String(err.Error())
	r.warnf("meter %s (%s) is not used: %v", spec.Name, spec.Type, err)
}

// useMeter adds a working meter to the run, noting in info what it
// declares, and returns it as the sampler is to read it.
func (r *run) useMeter(spec meter.Spec, m meter.Meter, info *rundir.Meter) meter.Meter {
	if cr, ok := m.(meter.CounterRanger); ok {
		info.MaxRangeJ = cr.MaxRanges()
		r.plan.Live.MaxRanges(info.MaxRangeJ)
	}
	if rs, ok := m.(meter.Resolver); ok {
		info.Resolution = rs.Resolutions()
	}
	if e, ok := m.(meter.Estimator); ok {
		info.Estimate = e.Estimates()
	}
	if g, ok := m.(meter.GPUDescriber); ok && len(r.meta.Host.GPUs) == 0 {
		r.meta.Host.GPUs = g.GPUModels()
	}
	if _, ok := m.(meter.WindowReader); ok {
		info.LiveName = spec.Name + meter.LiveSuffix
		m = meter.Rename(m, info.LiveName)
	}
	r.meters = append(r.meters, m)
	return m
}

// record is the samplers' sink: every reading to power.csv and the live
// endpoint.
func (r *run) record(rs []meter.Reading) {
	r.out.Readings(rs)
	r.plan.Live.Readings(rs)
}

func (r *run) recordMeterStats(stats []meter.Stats) {
	for _, st := range stats {
		for i := range r.meta.Meters {
			m := &r.meta.Meters[i]
			if m.Name != st.Meter && (m.LiveName == "" || m.LiveName != st.Meter) {
				continue
			}
			m.Reads, m.Errors, m.LastError = st.Reads, st.Errors, r.plan.Redact.String(st.LastError)
			m.AchievedHz = st.AchievedHz
			m.MaxGapS = st.MaxGap.Seconds()
			m.Gaps = st.Gaps
			m.UpdateIntervalS = st.UpdateInterval.Seconds()
			m.MeanReadLatencyMS = float64(st.MeanReadLatency) / float64(time.Millisecond)
		}
	}
}

func (r *run) runModels(ctx context.Context) error {
	if r.plan.AutoSweep != nil {
		return r.runAutoSweep(ctx)
	}
	variants := r.plan.Variants
	if len(variants) == 0 {
		variants = []Variant{{}}
	}
	total := len(r.plan.Models) * len(variants)
	i := 0
	for _, model := range r.plan.Models {
		for _, v := range variants {
			r.progress.setModel(v.Label(model), i, total)
			i++
			if _, err := r.runModel(ctx, model, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// runModel runs one model at one variant: idle before, warmup, measured,
// idle after. Phases and requests are recorded under the variant's label,
// requests are sent to the model itself.
func (r *run) runModel(ctx context.Context, model string, v Variant) (achievedRPS float64, err error) {
	label := v.Label(model)
	truth := rundir.SimTruth{Model: label}
	applied, err := r.plan.GPU.apply(r.plan.Output, r.plan.Variants, v, label, r.plan.Log)
	r.meta.GPUSettings = append(r.meta.GPUSettings, applied...)
	if err != nil {
		return 0, err
	}

	if start, end, ok := r.idle(ctx, label, trace.PhaseIdleBefore, r.plan.IdleBefore); ok && r.plan.Truth != nil {
		truth.IdleBeforeJ = r.plan.Truth.Energy(start, end)
	}
	if ctx.Err() != nil {
		return achievedRPS, ctx.Err()
	}

	concurrency := r.plan.Concurrency
	if v.Concurrency > 0 {
		concurrency = v.Concurrency
	}
	req := requestShape{model: model, label: label, maxTokens: r.plan.MaxTokens, minTokens: r.plan.MinTokens, ignoreEOS: r.plan.IgnoreEOS}
	if v.MaxTokens > 0 {
		req.maxTokens, req.minTokens = v.MaxTokens, v.MinTokens
	}
	requests := r.plan.Requests
	if v.Requests > 0 {
		requests = v.Requests
	}
	if v.Prefill {
		// One output token: the request's energy is its prefill.
		req.maxTokens, req.minTokens, req.ignoreEOS = 1, 0, true
	}

	// Each phase's row is in phases.csv from its start: a run killed
	// during a phase can still be reported (see rundir.Read).
	if r.plan.WarmupRequests > 0 {
		warmup := r.out.StartPhase(label, trace.PhaseWarmup, time.Now())
		r.setPhase(label, trace.PhaseWarmup, r.plan.WarmupRequests, 0)
		r.sendLoad(ctx, req, trace.PhaseWarmup, load.Closed{
			Concurrency: concurrency, Requests: r.plan.WarmupRequests,
		}, 0)
		warmup.End(time.Now(), 0)
		if ctx.Err() != nil {
			return achievedRPS, ctx.Err()
		}
	}

	if err := r.awaitShardStart(ctx, label); err != nil {
		return achievedRPS, err
	}
	start := time.Now()
	measured := r.out.StartPhase(label, trace.PhaseMeasured, start)
	r.setPhase(label, trace.PhaseMeasured, requests, r.plan.Duration)
	var shape loadShape = load.Closed{
		Concurrency: concurrency, Requests: requests, Duration: r.plan.Duration,
	}
	rate := r.plan.Rate
	if v.Rate != nil {
		rate = v.Rate
	}
	if rate != nil {
		rt := *rate
		rt.Requests, rt.Duration = requests, r.plan.Duration
		warn := func(format string, args ...any) { r.warnf("%s: %s", label, fmt.Sprintf(format, args...)) }
		shape = openLoop{rate: rt, warn: warn, stats: func(st load.RateStats) {
			r.meta.RateStats = append(r.meta.RateStats, rundir.RateStats{Model: label, RateStats: st})
		}}
	}
	cpu := load.MarkCPU()
	failed := r.sendLoad(ctx, req, trace.PhaseMeasured, shape, r.plan.WarmupRequests)
	end := time.Now()
	if c := cpu.Since(failed.of); c != nil {
		r.meta.ClientCPU = append(r.meta.ClientCPU, rundir.ClientCPU{Model: label, ClientCPU: *c, IncludesServer: r.plan.Truth != nil})
	}
	if d := end.Sub(start).Seconds(); d > 0 {
		achievedRPS = float64(failed.of-failed.total) / d
	}
	measured.End(end, 0)
	if r.plan.SteadyState {
		r.recordSteady(label, failed, &truth)
	}
	if r.plan.Truth != nil {
		if !truth.SteadyState {
			truth.MeasuredJ = r.plan.Truth.Energy(start, end)
		}
		truth.IdleWatts = r.plan.Truth.IdleWatts()
	}
	if ctx.Err() != nil {
		r.recordTruth(truth)
		return achievedRPS, ctx.Err()
	}
	if failed.total > 0 && failed.total == failed.of {
		r.warnf("%s: every measured request failed; last error: %s", label, failed.last)
	}

	if start, end, ok := r.idle(ctx, label, trace.PhaseIdleAfter, r.plan.IdleAfter); ok && r.plan.Truth != nil {
		truth.IdleAfterJ = r.plan.Truth.Energy(start, end)
	}
	r.recordTruth(truth)
	return achievedRPS, ctx.Err()
}

// idle waits out an idle phase and records it. A phase configured as 0 s
// is skipped and not recorded: there is nothing to measure in it.
func (r *run) idle(ctx context.Context, model, phase string, d time.Duration) (start, end time.Time, ok bool) {
	if d <= 0 {
		return start, end, false
	}
	start = time.Now()
	p := r.out.StartPhase(model, phase, start)
	r.setPhase(model, phase, 0, d)
	sleep(ctx, d)
	end = time.Now()
	p.End(end, 0)
	return start, end, true
}

func (r *run) recordTruth(t rundir.SimTruth) {
	if r.plan.Truth != nil {
		r.meta.Truth = append(r.meta.Truth, t)
	}
}

type failures struct {
	total, of int
	last      string
	// firstEnd and lastStart bound the steady state: before the first
	// request completes the load is ramping up, after the last one starts
	// it drains.
	firstEnd, lastStart time.Time
}

// requestShape is what every request of a model variant asks for.
type requestShape struct {
	model, label         string
	maxTokens, minTokens int
	ignoreEOS            bool
}

// sendLoad runs one phase's requests; ids continue from idBase so that
// every request in a model's run has its own id.
func (r *run) sendLoad(ctx context.Context, rs requestShape, phase string, l loadShape, idBase int) failures {
	l = r.shardShape(l)
	var mu sync.Mutex
	var f failures
	l.Run(ctx, func(ctx context.Context, i int) {
		// Measured requests continue where warmup stopped, so that they do
		// not resend prompts a prefix cache has just seen.
		prompt := r.plan.Prompts[(idBase+i)%len(r.plan.Prompts)]
		r.plan.Live.InFlight(rs.label, +1)
		rec := r.backend.Do(ctx, backend.Request{
			ID: idBase + i, Model: rs.model, Prompt: prompt,
			MaxTokens: rs.maxTokens, MinTokens: rs.minTokens, IgnoreEOS: rs.ignoreEOS,
			Extra: r.plan.Extra,
		})
		rec.Model = rs.label
		r.plan.Live.InFlight(rs.label, -1)
		r.plan.Live.Request(rs.label, phase, rec)
		r.out.Request(phase, rec)
		r.progress.requestDone(rec)
		mu.Lock()
		f.of++
		if !rec.OK() {
			f.total++
			f.last = rec.ErrorClass + ": " + rec.Error
		} else {
			if f.firstEnd.IsZero() || rec.End.Before(f.firstEnd) {
				f.firstEnd = rec.End
			}
			if rec.Start.After(f.lastStart) {
				f.lastStart = rec.Start
			}
		}
		mu.Unlock()
	})
	return f
}

func (r *run) closeAll() {
	for _, p := range r.pending {
		p.m.Close()
	}
	for _, m := range r.meters {
		if err := m.Close(); err != nil {
			r.plan.Log.Debug("closing meter", "meter", m.Name(), "err", err)
		}
	}
	if r.backend != nil {
		r.backend.Close()
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// DefaultRunDir names a new run directory under parent: time first, so
// that a listing sorts by age.
func DefaultRunDir(parent, name string) string {
	stamp := time.Now().Format("20060102-150405")
	if name == "" {
		return filepath.Join(parent, stamp)
	}
	return filepath.Join(parent, stamp+"-"+rundir.FileName(name))
}

// setPhase tells the progress display and the live endpoint which phase
// of which model is running.
func (r *run) setPhase(model, phase string, total int, d time.Duration) {
	r.progress.setPhase(phase, total, d)
	r.plan.Live.Phase(model, phase)
}

// minSteady is the shortest steady-state window worth measuring.
const minSteady = 500 * time.Millisecond

// recordSteady records the measured phase's steady-state window — from
// the first completion to the last start — when it is long enough to
// measure, and says so when it is not (the whole phase is then used).
func (r *run) recordSteady(label string, f failures, truth *rundir.SimTruth) {
	if f.firstEnd.IsZero() || f.lastStart.Sub(f.firstEnd) < minSteady {
		r.warnf("%s: no steady state of at least %s (ramp-up and tail overlap): figures use the whole measured phase; send more requests", label, minSteady)
		return
	}
	r.out.Phase(label, trace.PhaseSteady, f.firstEnd, f.lastStart, 0)
	if r.plan.Truth != nil {
		truth.MeasuredJ = r.plan.Truth.Energy(f.firstEnd, f.lastStart)
		truth.SteadyState = true
	}
}
