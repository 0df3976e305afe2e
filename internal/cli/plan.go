package cli

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/dataset"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/launch"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/runner"
)

// buildPlan resolves a loaded config into a runner plan. It reads the
// prompts and the API key, so errors about them name the config key.
//
// A dry run reads a Hub dataset only from the cache: it sends nothing.
func buildPlan(ctx context.Context, cfg *config.Config, output string, dryRun bool, log *slog.Logger) (runner.Plan, error) {
	if err := checkPlanKeys(cfg); err != nil {
		return runner.Plan{}, err
	}
	sc := cfg.Scenario
	hub := dataset.HubFromEnv(nil)
	hub.Offline = hub.Offline || dryRun
	set, err := dataset.LoadSpec(ctx, dataset.Spec{
		Name: sc.DatasetName, Dir: configDir(cfg), Inline: sc.Prompts, Config: sc.DatasetConfig, Split: sc.DatasetSplit,
		TextColumn: sc.TextColumnName, NumSamples: sc.NumSamples, Shuffle: sc.Shuffle, Seed: sc.Seed, Hub: hub,
	})
	var prompts []string
	label := ""
	switch {
	case err != nil && dryRun && strings.Contains(err.Error(), "is not in the cache"):
		label = sc.DatasetName + " (not cached yet: downloaded when the run starts)"
	case err != nil:
		return runner.Plan{}, cfg.Errorf("scenario.dataset_name", "%v", err)
	case len(set.Prompts) == 0:
		return runner.Plan{}, cfg.Errorf("scenario.dataset_name", "%s has no prompts", set.Describe())
	default:
		prompts, label = set.Prompts, set.Describe()
		for _, w := range set.Warnings {
			log.Warn("dataset: " + w)
		}
	}
	apiKey, err := cfg.APIKey()
	if err != nil {
		return runner.Plan{}, err
	}
	redacted, err := cfg.Redacted()
	if err != nil {
		return runner.Plan{}, err
	}
	if output == "" {
		output = runner.DefaultRunDir(cfg.Output.Dir, cfg.Name)
	}
	gk := cfg.Scenario.GenerateKwargs
	p := runner.Plan{
		Redact:         redact.New(cfg.Secrets()...),
		Models:         cfg.Models(),
		Prompts:        prompts,
		Concurrency:    cfg.Load.Concurrency,
		Requests:       cfg.Load.Requests,
		Duration:       cfg.Load.Duration,
		MaxTokens:      gk.MaxTokens,
		MinTokens:      gk.MinTokens,
		IgnoreEOS:      cfg.IgnoreEOS(),
		IdleBefore:     cfg.Phases.IdleBefore,
		WarmupRequests: cfg.Phases.WarmupRequests,
		IdleAfter:      cfg.Phases.IdleAfter,
		SampleInterval: cfg.Sampling.Interval,
		BackendType:    cfg.Backend.Type,
		Backend: backend.Options{
			BaseURL:   cfg.Backend.Endpoint,
			API:       cfg.Backend.API,
			Stream:    cfg.Backend.Stream,
			APIKey:    apiKey,
			Timeout:   cfg.Backend.Timeout,
			Headers:   cfg.Backend.Headers,
			MaxConns:  cfg.Load.Concurrency,
			BatchSize: cfg.Backend.BatchSize,
			Images:    configRelative(cfg, cfg.Backend.Images),
		},
		ConfigYAML: redacted,
		Output:     output,
	}
	if cfg.Load.Mode == "rate" {
		p.Rate = &load.Rate{
			RPS: cfg.Load.Rate, Arrival: load.Arrival(cfg.Load.Arrival), Burstiness: cfg.Load.Burstiness,
			MaxConcurrency: cfg.Load.MaxConcurrency, Seed: sc.Seed,
		}
		p.Backend.MaxConns = max(cfg.Load.MaxConcurrency, 64)
	}
	if cfg.Backend.Launch != "" {
		argv, err := launch.Split(cfg.Backend.Launch)
		if err != nil {
			return runner.Plan{}, cfg.Errorf("backend.launch", "%v", err)
		}
		health, err := launch.HealthURLFor(cfg.Backend.Endpoint)
		if err != nil {
			return runner.Plan{}, cfg.Errorf("backend.endpoint", "%v", err)
		}
		p.Launch = &launch.Options{Argv: argv, HealthURL: health, StartTimeout: cfg.Backend.LaunchTimeout}
	}
	p.SteadyState = cfg.Load.SteadyState
	if n := cfg.Sweep.RatesBetween; n > 0 {
		arrival, burstiness := load.ArrivalPoisson, 0.0
		if cfg.Load.Mode == "rate" && cfg.Load.Arrival != "" {
			arrival, burstiness = load.Arrival(cfg.Load.Arrival), cfg.Load.Burstiness
		}
		p.AutoSweep = &runner.AutoSweep{RatesBetween: n, MaxConcurrency: cfg.Sweep.MaxConcurrency,
			Arrival: arrival, Burstiness: burstiness, Seed: sc.Seed, Repetitions: cfg.Repetitions,
			RateMaxConcurrency: cfg.Load.MaxConcurrency}
		p.Backend.MaxConns = max(p.Backend.MaxConns, cfg.Sweep.MaxConcurrency)
	}
	p.Variants = variants(cfg, p.Rate)
	if err := checkBackend(ctx, cfg, p); err != nil {
		return runner.Plan{}, err
	}
	if cfg.Load.Duration > 0 {
		p.Requests = 0 // by duration: the request count does not stop the load
	}
	if len(cfg.Backend.ExtraBody) > 0 || gk.Temperature != nil {
		p.Extra = map[string]any{}
		for k, v := range cfg.Backend.ExtraBody {
			p.Extra[k] = v
		}
		if gk.Temperature != nil {
			p.Extra["temperature"] = *gk.Temperature
		}
	}
	p.Meters = enabledMeters(cfg)
	p.Meta = planMeta(cfg, p)
	if s := cfg.Load.Shard; s != nil {
		p.Meta.Shard = &rundir.Shard{Index: s.Index, Count: s.Count, StartAt: s.Start()}
	}
	p.Meta.Load.Dataset = label
	if p.Rate != nil {
		p.Meta.Load.Concurrency = 0 // open loop: no requested concurrency
		p.Meta.Load.RateRPS, p.Meta.Load.Arrival = p.Rate.RPS, string(p.Rate.Arrival)
		p.Meta.Load.Burstiness, p.Meta.Load.MaxConcurrency = p.Rate.Burstiness, p.Rate.MaxConcurrency
	}
	return p, nil
}

func planMeta(cfg *config.Config, p runner.Plan) rundir.Meta {
	m := rundir.Meta{
		Version: version(),
		Name:    cfg.Name,
		Backend: rundir.Backend{Type: cfg.Backend.Type, Endpoint: redact.URLs(cfg.Backend.Endpoint), API: cfg.Backend.API, Stream: cfg.Backend.Stream},
		Load: rundir.Load{
			Mode: cfg.Load.Mode, Concurrency: p.Concurrency, Requests: p.Requests,
			DurationS: p.Duration.Seconds(), MaxTokens: p.MaxTokens, MinTokens: p.MinTokens,
			IgnoreEOS: p.IgnoreEOS, MaxFailureRatio: &cfg.Load.MaxFailureRatio,
		},
		Phases: rundir.Phases{
			IdleBeforeS: p.IdleBefore.Seconds(), WarmupRequests: p.WarmupRequests, IdleAfterS: p.IdleAfter.Seconds(),
		},
		Carbon: rundir.Carbon{
			CountryISO: alpha3(cfg.Metrics.CountryISOCode), PUE: cfg.Metrics.PUE, ProjectName: cfg.Metrics.ProjectName,
		},
	}
	if slo := cfg.SLO; slo != (config.SLO{}) {
		m.SLO = &rundir.SLO{TTFTMs: slo.TTFTMs, TPOTMs: slo.TPOTMs, E2EMs: slo.E2EMs}
	}
	m.Carbon.LiveZone = cfg.Metrics.ElectricityMapsZone
	m.Carbon.LiveTokenEnv = cfg.Metrics.ElectricityMapsTokenEnv
	m.Carbon.LiveURL = redact.URLs(cfg.Metrics.ElectricityMapsURL)
	if cfg.Metrics.Enabled && cfg.Metrics.OutputDir != "" {
		m.Carbon.EmissionsDir = cfg.Metrics.OutputDir
	}
	if cfg.Metrics.CarbonIntensity != nil {
		m.Carbon.IntensityGPerKWh = *cfg.Metrics.CarbonIntensity
	}
	for _, r := range cfg.Reporters {
		rep := rundir.Reporter{Type: r.Type, OutputFile: r.OutputFile}
		if isSink(r.Type) {
			// Secrets stay out of run.json; the run itself sends with
			// the config's options (finish).
			rep.Options = redact.Options(r.SinkOptions())
		}
		m.Reporters = append(m.Reporters, rep)
	}
	return m
}

// estimateDuration is a rough lower bound of a plan's wall time, shown by
// --dry-run: every point's idle phases plus the load's duration when it
// has one. Each variant (sweep point, prefill run, repetition) of each
// model has phases of its own.
func estimateDuration(p runner.Plan) time.Duration {
	per := p.IdleBefore + p.IdleAfter + p.Duration
	return per * time.Duration(len(p.Models)*max(len(p.Variants), 1))
}

// alpha3 is the ISO 3166-1 alpha-3 code of a country given as alpha-2
// (US → USA), as the carbon table knows it; other codes are kept as given.
func alpha3(code string) string {
	if len(code) != 2 {
		return code
	}
	if c, err := analysis.LookupCarbonIntensity(code); err == nil && len(c.Region) == 3 {
		return c.Region
	}
	return code
}

// checkBackend builds the plan's backend once and closes it: a kind
// checks its options when it is built and sends nothing until Check, so
// a wrong URL or images folder stops the plan (and --dry-run) instead of
// the run. The simulator's address is known once it runs.
func checkBackend(ctx context.Context, cfg *config.Config, p runner.Plan) error {
	if cfg.Backend.Type == "sim" {
		return nil
	}
	b, err := backend.New(ctx, p.BackendType, p.Backend)
	if err != nil {
		return cfg.Errorf("backend", "%v", err)
	}
	return b.Close()
}

// configDir is the folder relative paths in cfg are read from: the config
// file's; "" (the working directory) for the embedded default.
func configDir(cfg *config.Config) string {
	if cfg.Source == config.DefaultSource {
		return ""
	}
	return filepath.Dir(cfg.Source)
}

// configRelative resolves a path the config names against the config
// file's folder, as a user reading the file expects; the embedded
// default's paths are the working directory's.
func configRelative(cfg *config.Config, path string) string {
	if path == "" || filepath.IsAbs(path) || cfg.Source == config.DefaultSource {
		return path
	}
	return filepath.Join(filepath.Dir(cfg.Source), path)
}

// variants expands the sweep, the prefill/decode split and repetitions
// into the list of ways each model is run, in run order: per sweep point
// the prefill-only run right before the full one, repetitions outermost
// so that drift over time spreads over every point alike.
func variants(cfg *config.Config, rate *load.Rate) []runner.Variant {
	points := []runner.Variant{{}}
	switch {
	case cfg.Load.Profile != "":
		profile, _ := load.Preset(cfg.Load.Profile) // validated with the config
		points = points[:0]
		for _, st := range profile {
			points = append(points, runner.Variant{Stage: st.Name, Concurrency: st.Concurrency,
				Requests: st.Requests, MinTokens: st.MinTokens, MaxTokens: st.MaxTokens})
		}
	case len(cfg.Sweep.Concurrency) > 0:
		points = points[:0]
		for _, c := range cfg.Sweep.Concurrency {
			points = append(points, runner.Variant{Concurrency: c})
		}
	case len(cfg.Sweep.Rates) > 0:
		points = points[:0]
		for _, rps := range cfg.Sweep.Rates {
			rt := load.Rate{RPS: rps, Arrival: load.ArrivalPoisson, MaxConcurrency: cfg.Load.MaxConcurrency, Seed: cfg.Scenario.Seed}
			if rate != nil {
				rt = *rate
				rt.RPS = rps
			}
			points = append(points, runner.Variant{Rate: &rt})
		}
	}
	if cfg.Scenario.PrefillDecode {
		var split []runner.Variant
		for _, p := range points {
			pre := p
			pre.Prefill = true
			split = append(split, pre, p)
		}
		points = split
	}
	points = gpuPoints(cfg, points)
	if cfg.Repetitions <= 1 {
		if len(points) == 1 && points[0] == (runner.Variant{}) {
			return nil
		}
		return points
	}
	var out []runner.Variant
	for rep := 1; rep <= cfg.Repetitions; rep++ {
		for _, p := range points {
			p.Repetition = rep
			out = append(out, p)
		}
	}
	return out
}

// enabledMeters are the config's meters that are not switched off.
func enabledMeters(cfg *config.Config) []meter.Spec {
	var specs []meter.Spec
	for _, m := range cfg.Meters {
		if m.Enabled {
			specs = append(specs, specFromConfig(cfg, m))
		}
	}
	return specs
}

// checkPlanKeys checks what the config package cannot judge alone: the
// type and options of every reporter and enabled meter, as their kinds
// read them, and the country, against the analysis's table. A mistake in either would
// otherwise surface only when the run opens the meter (and leaves it
// out) or when the analysis starts, after the whole run.
func checkPlanKeys(cfg *config.Config) error {
	errs := []error{checkSinks(cfg)}
	for _, m := range cfg.Meters {
		if !m.Enabled {
			continue
		}
		spec := specFromConfig(cfg, m)
		if u, _ := spec.Options["url"].(string); u == config.SimMeterURL {
			// The simulator's address is known once it runs.
			spec.Options = maps.Clone(spec.Options)
			spec.Options["url"] = "http://127.0.0.1/metrics"
		}
		if err := meter.Check(spec); err != nil {
			errs = append(errs, meterKeyErrors(cfg, m, err)...)
		}
	}
	cc, ci := cfg.Metrics.CountryISOCode, cfg.Metrics.CarbonIntensity
	if cc != "" && (ci == nil || *ci <= 0) { // else the analysis never looks it up
		if _, err := analysis.LookupCarbonIntensity(cc); err != nil {
			errs = append(errs, cfg.Errorf("metrics.country_iso_code", "%v", err))
		}
	}
	return errors.Join(errs...)
}

// meterKeyErrors restates a meter's option errors as config errors, so
// that they point at the option's own line like every other key:
// "my.yaml:12: meters[0].timout: unknown option ...".
func meterKeyErrors(cfg *config.Config, m config.Meter, err error) []error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	prefix := "meters[" + m.Name + "]"
	for i, e := range errs {
		var oe *meter.OptionError
		if errors.As(e, &oe) && strings.HasPrefix(oe.Path, prefix) {
			errs[i] = cfg.Errorf(m.Key+strings.TrimPrefix(oe.Path, prefix), "%v", oe.Err)
		}
	}
	return errs
}
