package rundir

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// Raw is a run directory's raw data, read back for analysis.
type Raw struct {
	Meta    Meta
	Samples []trace.Sample
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
	// The samples are held, so their slice is made once at its size: grown
	// by appending, a day of 3.5 million (250 MB) would briefly be held
	// twice as it is copied to a larger array.
	rows, err := countLines(filepath.Join(dir, PowerFile))
	if err != nil {
		return nil, fmt.Errorf("reading run directory: %w", err)
	}
	raw.Samples = make([]trace.Sample, 0, max(rows-1, 0))
	if _, err = readCSV(dir, PowerFile, powerHeader, raw, func(f fields) error {
		s := trace.Sample{
			T: f.float("t_s"), Meter: f.name("meter"), Channel: f.name("channel"),
			Component: f.name("component"), Watts: f.optFloat("watts"), Joules: f.optFloat("joules"),
		}
		if f.err == nil {
			raw.Samples = append(raw.Samples, s)
		}
		return rowErr(f)
	}); err != nil {
		return nil, err
	}
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
	slices.SortStableFunc(raw.Samples, func(a, b trace.Sample) int {
		switch {
		case a.T < b.T:
			return -1
		case a.T > b.T:
			return 1
		}
		return 0
	})
	if err := recoverCutOff(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// countLines counts the newlines of the file at path.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
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
