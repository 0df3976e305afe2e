package rundir

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// Raw is a run directory's raw data, read back for analysis.
type Raw struct {
	Meta     Meta
	Samples  []trace.Sample
	Requests []trace.Request
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
	var err error
	if err = readCSV(dir, PowerFile, powerHeader, raw, func(f fields) error {
		s := trace.Sample{
			T: f.float("t_s"), Meter: f.name("meter"), Channel: f.name("channel"),
			Component: f.name("component"), Watts: f.optFloat("watts"), Joules: f.optFloat("joules"),
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
		r := trace.Request{
			ID: f.int("id"), Model: f.name("model"), Phase: f.name("phase"),
			Start: f.float("start_s"), FirstToken: f.optFloat("first_token_s"), End: f.float("end_s"),
			InputTokens: f.int("input_tokens"), OutputTokens: f.int("output_tokens"),
			TokensEstimated: f.str("tokens_estimated") == "true",
			FinishReason:    f.name("finish_reason"), ErrorClass: f.name("error_class"),
		}
		if f.has("items") && f.str("items") != "" {
			r.Items = f.int("items")
		}
		if f.has("reasoning_tokens") && f.str("reasoning_tokens") != "" {
			r.ReasoningTokens = f.int("reasoning_tokens")
		}
		var err error
		if r.Chunks, err = chunkTimes(f.str("chunk_ms")); err != nil {
			return err
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
		p := trace.Phase{
			// An empty end: the phase was running when the run was cut off.
			Model: f.name("model"), Name: f.name("phase"), Start: f.float("start_s"), End: f.optFloat("end_s"),
		}
		if f.has("items") && f.str("items") != "" {
			p.Items = f.int("items")
		}
		raw.Phases = append(raw.Phases, p)
		return f.err
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
	recoverCutOff(raw)
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
