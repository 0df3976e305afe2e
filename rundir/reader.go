package rundir

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/analysis"
)

// Raw is a run directory's raw data, read back for analysis.
type Raw struct {
	Meta     Meta
	Samples  []analysis.Sample
	Requests []analysis.Request
	Phases   []analysis.Phase
	// Warnings note data that was damaged, such as the half-written last
	// row a crash leaves behind.
	Warnings []string
	// CutOff is set when the run never finished and its figures were
	// recovered from what it recorded; Meta.Interrupted is then set too,
	// though run.json may not say so yet (see MarkInterrupted).
	CutOff bool
}

// Read loads a run directory's metadata and raw CSV files.
func Read(dir string) (*Raw, error) {
	raw := &Raw{}
	if err := ReadJSON(dir, MetaFile, &raw.Meta); err != nil {
		return nil, err
	}
	var err error
	if err = readCSV(dir, PowerFile, powerHeader, raw, func(f fields) error {
		s := analysis.Sample{
			T: f.float("t_s"), Meter: f.str("meter"), Channel: f.str("channel"),
			Component: f.str("component"), Watts: f.optFloat("watts"), Joules: f.optFloat("joules"),
		}
		if f.err == nil {
			raw.Samples = append(raw.Samples, s)
		}
		return f.err
	}); err != nil {
		return nil, err
	}
	// items, reasoning_tokens and streamed came later: old runs lack them.
	if err = readCSV(dir, RequestsFile, requestsHeader[:len(requestsHeader)-4], raw, func(f fields) error {
		r := analysis.Request{
			ID: f.int("id"), Model: f.str("model"), Phase: f.str("phase"),
			Start: f.float("start_s"), FirstToken: f.optFloat("first_token_s"), End: f.float("end_s"),
			InputTokens: f.int("input_tokens"), OutputTokens: f.int("output_tokens"),
			TokensEstimated: f.str("tokens_estimated") == "true",
			FinishReason:    f.str("finish_reason"), ErrorClass: f.str("error_class"),
		}
		if f.has("items") && f.str("items") != "" {
			r.Items = f.int("items")
		}
		if f.has("reasoning_tokens") && f.str("reasoning_tokens") != "" {
			r.ReasoningTokens = f.int("reasoning_tokens")
		}
		for _, c := range strings.Fields(f.str("chunk_ms")) {
			v, err := strconv.ParseFloat(c, 64)
			if err != nil {
				return fmt.Errorf("chunk_ms: %q is not a number", c)
			}
			r.Chunks = append(r.Chunks, v/1000)
		}
		r.ChunkCount = len(r.Chunks)
		if f.has("chunks") && f.str("chunks") != "" {
			r.ChunkCount = max(f.int("chunks"), r.ChunkCount)
		}
		if f.has("streamed") {
			r.Streamed = f.str("streamed") == "true"
		} else {
			guessStreamed(&r, raw.Meta.Backend.Stream)
		}
		if f.err == nil {
			raw.Requests = append(raw.Requests, r)
		}
		return f.err
	}); err != nil {
		return nil, err
	}
	if err = readCSV(dir, PhasesFile, phasesHeader[:4], raw, func(f fields) error {
		p := analysis.Phase{
			// An empty end: the phase was running when the run was cut off.
			Model: f.str("model"), Name: f.str("phase"), Start: f.float("start_s"), End: f.optFloat("end_s"),
		}
		if f.has("items") && f.str("items") != "" {
			p.Items = f.int("items")
		}
		raw.Phases = append(raw.Phases, p)
		return f.err
	}); err != nil {
		return nil, err
	}
	slices.SortStableFunc(raw.Samples, func(a, b analysis.Sample) int {
		switch {
		case a.T < b.T:
			return -1
		case a.T > b.T:
			return 1
		}
		return 0
	})
	recoverCutOff(raw)
	raw.Warnings = append(raw.Warnings, analysis.CheckUsage(raw.Requests)...)
	return raw, nil
}

// guessStreamed tells, for a run recorded before requests.csv had its
// streamed column, whether r was streamed, and forgets the times an
// answer that came whole could not show. Such runs recorded that answer's
// arrival as its first token and only chunk (TTFT = end-to-end, TPOT 0);
// a stream cannot end in the very microsecond its one chunk arrived.
func guessStreamed(r *analysis.Request, runStreamed bool) {
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

// fields gives typed access to one CSV row by column name; the first
// conversion error is kept in err.
type fields struct {
	cols map[string]int
	row  []string
	err  error
}

func (f *fields) str(name string) string { return f.row[f.cols[name]] }

// has reports whether the file has an optional column.
func (f *fields) has(name string) bool {
	_, ok := f.cols[name]
	return ok
}

func (f *fields) float(name string) float64 {
	v, err := strconv.ParseFloat(f.str(name), 64)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %q is not a number", name, f.str(name))
	}
	return v
}

// optFloat reads an optional number: an empty cell is NaN, "no value".
func (f *fields) optFloat(name string) float64 {
	if f.str(name) == "" {
		return math.NaN()
	}
	return f.float(name)
}

func (f *fields) int(name string) int {
	v, err := strconv.Atoi(f.str(name))
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %q is not an integer", name, f.str(name))
	}
	return v
}

func readCSV(dir, name string, header []string, raw *Raw, row func(fields) error) error {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading run directory: %w", err)
	}
	// A crash can leave half a row at the end; drop it and say so.
	if n := len(data); n > 0 && data[n-1] != '\n' {
		cut := bytes.LastIndexByte(data, '\n') + 1
		raw.Warnings = append(raw.Warnings, fmt.Sprintf("%s: dropped an incomplete last row (the run was cut off while writing)", name))
		data = data[:cut]
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	got, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: missing header row", path)
	}
	cols := map[string]int{}
	for i, h := range got {
		cols[h] = i
	}
	for _, h := range header {
		if _, ok := cols[h]; !ok {
			return fmt.Errorf("%s:1: missing column %q (is this an aienergy run directory?)", path, h)
		}
	}
	// A row that cannot be read is skipped and counted: one damaged cell
	// must not cost the run every figure. phases.csv is the exception:
	// without its rows nothing can be placed in time.
	skipped, first := 0, ""
	defer func() {
		if skipped > 0 {
			raw.Warnings = append(raw.Warnings, fmt.Sprintf("%s: %d unreadable row(s) skipped; the first: %s", name, skipped, first))
		}
	}()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		// A row that failed to parse has no field positions to ask for
		// (FieldPos panics): its line comes with the error.
		var line int
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			line = pe.StartLine
		} else if err == nil {
			line, _ = r.FieldPos(0)
			err = row(fields{cols: cols, row: rec})
		}
		if err == nil {
			continue
		}
		if name == PhasesFile {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if skipped++; first == "" {
			first = fmt.Sprintf("line %d: %v", line, err)
		}
	}
}
