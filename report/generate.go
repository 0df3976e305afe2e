package report

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// SweepCSV is the energy-vs-latency curve of a sweep.
const SweepCSV = "sweep.csv"

// GenerateRaw computes every figure of the run in dir from its raw data
// alone and (re)writes summary.json, emissions.csv, results.csv and the
// per-model CSVs there. It is what `aienergy report` runs, and what a run
// runs at its end, so the two can never disagree. It returns the raw data
// it read too, for callers that write more from it (report.html,
// interchange files, sinks) without reading the run directory again.
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
	// The samples are grouped into series once, for the analysis and the
	// per-request attribution alike: the same declarations, so the same
	// wraps, resolutions and channel energy in both.
	series, err := analysis.GroupSeriesFrom(raw.Samples, opts.Declared())
	if err != nil {
		return nil, nil, fmt.Errorf("analysing %s: %w", dir, err)
	}
	opts.Series = series
	// A launched server's start-up is analysed on its own: its energy is
	// reported apart and never enters a model's or the run's figures.
	phases, startup := splitStartup(raw.Phases)
	res, err := analysis.Analyze(nil, raw.Requests, phases, opts) // samples: opts.Series
	if err != nil {
		return nil, nil, fmt.Errorf("analysing %s: %w", dir, err)
	}
	// Analyze corrected the token counts a stream contradicts in its own
	// pass; whoever reads the records next (per-request files, sinks)
	// gets them corrected too, so that they agree with the figures.
	raw.Requests = analysis.CorrectUsage(raw.Requests)
	s, err := newSummary(raw, res, series)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	s.requestedConcurrencyPerPoint()
	if len(startup) > 0 {
		if st, err := analysis.Analyze(nil, nil, startup, opts); err == nil && len(st.Models) == 1 {
			s.ServerStartup = &st.Models[0]
		}
	}
	// The per-request figures come from a pass over the records that
	// writes request_energy.csv as it goes: a day-long run's millions of
	// rows are never in memory.
	if err := s.finishRequestEnergy(dir); err != nil {
		return nil, nil, err
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
		if err := rundir.WriteAtomic(filepath.Join(dir, name+"_power.csv"), func(w io.Writer) error {
			return writeSeedPower(w, raw, m.Model)
		}); err != nil {
			return nil, nil, err
		}
		files[name+"_stats.csv"] = seedStatsTable(m)
	}
	for name, t := range files {
		if err := rundir.WriteFileAtomic(filepath.Join(dir, name), t.bytes()); err != nil {
			return nil, nil, err
		}
	}
	return s, raw, nil
}

// AppendResultsCSV appends the run's results rows to the CSV file at path
// (the csv reporter's output_file), writing the header when the file is
// new and refusing a file with other columns rather than shifting them.
func AppendResultsCSV(path string, s *Summary) error {
	return appendResults(path, resultsTable(s))
}

// WriteSummaryJSON writes summary.json's content to path (the json
// reporter's output_file), creating its directory.
func WriteSummaryJSON(path string, s *Summary) error {
	data, err := rundir.EncodeJSON(s)
	if err != nil {
		return err
	}
	return writeFileMkdir(path, data)
}

// PublishEmissions appends the run's rows, like CodeCarbon, to
// emissions.csv in outputDir (metrics.output_dir), outside the run
// directory; "" is none. A file with another release's columns is backed
// up first, as CodeCarbon does (docs/output.md says where to find it).
func PublishEmissions(outputDir string, s *Summary) error {
	if outputDir == "" {
		return nil
	}
	if _, err := appendEmissions(filepath.Join(outputDir, rundir.EmissionsCSV), emissionsTable(s)); err != nil {
		return fmt.Errorf("metrics.output_dir: %w", err)
	}
	return nil
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

func splitStartup(phases []trace.Phase) (rest, startup []trace.Phase) {
	for _, p := range phases {
		if p.Model == rundir.StartupLabel {
			startup = append(startup, p)
		} else {
			rest = append(rest, p)
		}
	}
	return rest, startup
}

// requestedConcurrencyPerPoint gives each model label the concurrency its
// own load asked for: a sweep point's, not the configured base load's
// (a 1/4/16 sweep recorded 4 for every point). Open loop asks for none.
func (s *Summary) requestedConcurrencyPerPoint() {
	for i := range s.Models {
		tp := &s.Models[i].Throughput
		switch l := s.LoadOf(s.Models[i].Model); {
		case l.Mode == "rate":
			tp.RequestedConcurrency = nil
		case l.Concurrency > 0:
			c := l.Concurrency
			tp.RequestedConcurrency = &c
		}
	}
}
