package rundir

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/aienergy/aienergy/trace"
)

// Raw is a run directory's raw data, read back for analysis.
type Raw struct {
	Meta Meta
	// Samples are read from power.csv at each pass, in the file's order
	// (each channel's in time order): a day's do not fit in memory.
	Samples trace.Samples
	// Requests are read from requests.csv at each pass: a long run's do
	// not fit in memory.
	Requests trace.Requests
	Phases   []trace.Phase
	// Warnings note data that was damaged, such as the half-written last
	// row a crash leaves behind.
	Warnings []string
	// CutOff is set when the run never finished and its figures were
	// recovered from what it recorded; Meta.Interrupted is then set too,
	// though run.json may not say so yet (see MarkInterrupted).
	CutOff bool
}

// Read loads a run directory's metadata and raw CSV files. Records are
// given as recorded: judging them (token counts a stream contradicts,
// say) is the analysis's. A run that was cut off is recovered (CutOff).
func Read(dir string) (*Raw, error) {
	raw := &Raw{}
	if err := ReadJSON(dir, MetaFile, &raw.Meta); err != nil {
		return nil, err
	}
	// The samples, like the requests, are counted and their damage
	// reported now, and read again at each pass of whoever needs them.
	samples := &sampleLog{path: filepath.Join(dir, PowerFile)}
	var err error
	if samples.end, err = readCSV(dir, PowerFile, powerHeader, raw, func(f fields) error {
		_, err := parseSample(f)
		if err == nil {
			samples.n++
		}
		return err
	}); err != nil {
		return nil, err
	}
	raw.Samples = samples
	// The requests are counted and their damage reported now, and read
	// again at each pass of whoever needs them (trace.Requests).
	log := &requestLog{path: filepath.Join(dir, RequestsFile), streamed: raw.Meta.Backend.Stream}
	var p requestParser
	if log.end, err = readCSV(dir, RequestsFile, requestsColumns, raw, func(f fields) error {
		_, err := p.parse(f, log.streamed)
		if err == nil {
			log.n++
		}
		return err
	}); err != nil {
		return nil, err
	}
	raw.Requests = log
	if _, err = readCSV(dir, PhasesFile, phasesHeader[:4], raw, func(f fields) error {
		p := trace.Phase{
			// An empty end: the phase was running when the run was cut off.
			Model: f.name("model"), Name: f.name("phase"), Start: f.float("start_s"), End: f.optFloat("end_s"),
		}
		if f.has("items") && f.str("items") != "" {
			p.Items = f.int("items")
		}
		raw.Phases = append(raw.Phases, p)
		return rowErr(f)
	}); err != nil {
		return nil, err
	}
	if err := recoverCutOff(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// guessStreamed tells, for a run recorded before requests.csv had its
// streamed column, whether r was streamed, and forgets the times an
// answer that came whole could not show. Such runs recorded that answer's
// arrival as its first token and only chunk (TTFT = end-to-end, TPOT 0);
// a stream cannot end in the very microsecond its one chunk arrived.
func guessStreamed(r *trace.Request, runStreamed bool) {
	whole := r.FirstToken == r.End && len(r.Chunks) == 1
	r.Streamed = runStreamed && !whole
	if whole {
		r.FirstToken, r.Chunks = math.NaN(), nil
	}
}

// MarkInterrupted records in run.json that the run was interrupted, for
// a run that was cut off before it could say so itself (Raw.CutOff).
func MarkInterrupted(dir string) error {
	var m Meta
	if err := ReadJSON(dir, MetaFile, &m); err != nil || m.Interrupted {
		return err
	}
	m.Interrupted = true
	return WriteJSON(dir, MetaFile, m)
}

// ReadJSON decodes name inside dir.
func ReadJSON(dir, name string, v any) error {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("reading run directory: %w", err)
	}
	if err := jsonUnmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
	}
	return nil
}
