package report

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
)

// SweepCSV is the energy-vs-latency curve of a sweep.
const SweepCSV = "sweep.csv"

// Generate computes every figure of the run in dir from its raw data alone
// and (re)writes summary.json, emissions.csv, results.csv and the per-model
// CSVs there. It is what `aienergy report` runs, and what a run runs at its
// end, so the two can never disagree.
func Generate(dir string) (*Summary, error) {
	s, _, err := GenerateRaw(dir)
	return s, err
}

// GenerateRaw is Generate that also returns the raw data it read, for
// callers that write more from it (report.html, interchange files, sinks)
// without reading the run directory again.
func GenerateRaw(dir string) (*Summary, *rundir.Raw, error) {
	raw, err := rundir.Read(dir)
	if err != nil {
		return nil, nil, err
	}
	if raw.CutOff {
		// The run was killed before it could record that it stopped
		// early; its recovered figures say so, and so must run.json.
		if err := rundir.MarkInterrupted(dir); err != nil {
			return nil, nil, err
		}
	}
	opts := analysis.Options{
		CarbonIntensity:      raw.Meta.Carbon.IntensityGPerKWh,
		CarbonName:           raw.Meta.Carbon.IntensityName,
		CarbonSource:         raw.Meta.Carbon.IntensitySource,
		CountryISO:           raw.Meta.Carbon.CountryISO,
		PUE:                  raw.Meta.Carbon.PUE,
		RequestedConcurrency: raw.Meta.Load.Concurrency,
		MaxRange:             maxRanges(raw.Meta.Meters),
		CounterResolutionJ:   resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.EnergyJ }),
		PowerResolutionW:     resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.PowerW }),
		EstimatedMeters:      estimatedMeters(raw.Meta.Meters),
		MeterOrder:           meterOrder(raw.Meta.Meters),
	}
	// A launched server's start-up is analysed on its own: its energy is
	// reported apart and never enters a model's or the run's figures.
	phases, startup := splitStartup(raw.Phases)
	res, err := analysis.Analyze(raw.Samples, raw.Requests, phases, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("analysing %s: %w", dir, err)
	}
	s := newSummary(raw, res)
	if len(startup) > 0 {
		if st, err := analysis.Analyze(raw.Samples, nil, startup, opts); err == nil && len(st.Models) == 1 {
			s.ServerStartup = &st.Models[0]
		}
	}
	if err := rundir.WriteJSON(dir, rundir.SummaryFile, s); err != nil {
		return nil, nil, err
	}
	files := map[string]*table{
		rundir.EmissionsCSV: emissionsTable(s),
		rundir.ResultsCSV:   resultsTable(s),
	}
	if s.Sweep != nil {
		files[SweepCSV] = sweepTable(s.Sweep)
	}
	for i, name := range ModelFileNames(s) {
		m := s.Models[i]
		files[name+"_power.csv"] = seedPowerTable(raw, m.Model)
		files[name+"_stats.csv"] = seedStatsTable(m)
	}
	for name, t := range files {
		if err := rundir.WriteFileAtomic(filepath.Join(dir, name), t.bytes()); err != nil {
			return nil, nil, err
		}
	}
	return s, raw, nil
}

// Publish sends a finished run's results where the config asked, outside
// the run directory: each reporter's output_file (csv: the results rows,
// appended; json: summary.json) and, like CodeCarbon, emissions.csv in
// metrics.output_dir. A failing destination never touches the run
// directory; the error names it.
func Publish(dir string, s *Summary) error {
	var raw rundir.Meta
	if err := rundir.ReadJSON(dir, rundir.MetaFile, &raw); err != nil {
		return err
	}
	var errs []error
	for _, r := range raw.Reporters {
		if r.OutputFile == "" {
			continue
		}
		var err error
		switch r.Type {
		case "csv":
			err = appendResults(r.OutputFile, resultsTable(s))
		case "json":
			var data []byte
			if data, err = rundir.EncodeJSON(s); err == nil {
				err = writeFileMkdir(r.OutputFile, data)
			}
		default:
			err = fmt.Errorf("unknown reporter type %q", r.Type)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reporter %s (%s): %w", r.Type, r.OutputFile, err))
		}
	}
	if d := raw.Carbon.EmissionsDir; d != "" {
		// A file with another release's columns is backed up first, as
		// CodeCarbon does (docs/output.md says where to find it).
		if _, err := appendEmissions(filepath.Join(d, rundir.EmissionsCSV), emissionsTable(s)); err != nil {
			errs = append(errs, fmt.Errorf("metrics.output_dir: %w", err))
		}
	}
	return errors.Join(errs...)
}

func writeFileMkdir(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return rundir.WriteFileAtomic(path, data)
}

// maxRanges collects the meters' counter wrap points, keyed meter/channel.
func maxRanges(meters []rundir.Meter) map[string]float64 {
	out := map[string]float64{}
	for _, m := range meters {
		maps.Copy(out, m.MaxRangeJ)
	}
	return out
}

// resolutions collects one of the meters' declared resolutions, keyed
// meter/channel; channels that declare none are left out.
func resolutions(meters []rundir.Meter, pick func(meter.Resolution) float64) map[string]float64 {
	out := map[string]float64{}
	for _, m := range meters {
		for k, r := range m.Resolution {
			if v := pick(r); v > 0 {
				out[k] = v
			}
		}
	}
	return out
}

func estimatedMeters(meters []rundir.Meter) map[string]bool {
	out := map[string]bool{}
	for _, m := range meters {
		if m.Estimate {
			out[m.Name] = true
		}
	}
	return out
}

// meterOrder is the configured order of the meters, a store-backed
// meter's own samples before its live reads.
func meterOrder(meters []rundir.Meter) []string {
	var out []string
	for _, m := range meters {
		out = append(out, m.Name)
		if m.LiveName != "" {
			out = append(out, m.LiveName)
		}
	}
	return out
}

func splitStartup(phases []analysis.Phase) (rest, startup []analysis.Phase) {
	for _, p := range phases {
		if p.Model == rundir.StartupLabel {
			startup = append(startup, p)
		} else {
			rest = append(rest, p)
		}
	}
	return rest, startup
}
