package rundir

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/analysis"
)

// writeRun writes the directory of a finished run whose requests.csv has
// header and rows.
func writeRun(t *testing.T, meta Meta, header []string, rows ...string) string {
	t.Helper()
	dir := t.TempDir()
	meta.EndedAt = finished
	if err := WriteJSON(dir, MetaFile, meta); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		PowerFile:    strings.Join(powerHeader, ",") + "\n",
		RequestsFile: strings.Join(header, ",") + "\n" + strings.Join(rows, "\n") + "\n",
		PhasesFile:   strings.Join(phasesHeader, ",") + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Runs recorded before the streamed column wrote an answer that came
// whole with its arrival as first token and only chunk: TTFT = end-to-end,
// TPOT 0. Read back, it has neither, and its latency figures are null.
func TestReadOldRunsGuessStreaming(t *testing.T) {
	old := requestsHeader[:15] // up to chunk_ms
	whole := "1,m,measured,1.000000,1.500000,1.500000,500.000,500.000,10,5,false,stop,,,500.000"
	stream := "2,m,measured,2.000000,2.100000,2.500000,100.000,500.000,10,3,false,stop,,,100.000 300.000 400.000"
	tests := []struct {
		name                   string
		runStreamed            bool
		row                    string
		wantStreamed           bool
		wantFirst              float64 // NaN: none
		wantChunks, wantTTFT   int
		wantTPOT               int
		wantTTFTms, wantTPOTms float64
	}{
		{"whole answer, streaming run", true, whole, false, math.NaN(), 0, 0, 0, 0, 0},
		{"whole answer, plain run", false, whole, false, math.NaN(), 0, 0, 0, 0, 0},
		// TTFT 2.1 − 2 = 100 ms; TPOT (2.5 − 2.1)/(3 − 1) = 200 ms.
		{"stream", true, stream, true, 2.1, 3, 1, 1, 100, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRun(t, Meta{Backend: Backend{Stream: tt.runStreamed}}, old, tt.row)
			raw, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			r := raw.Requests[0]
			if r.Streamed != tt.wantStreamed || len(r.Chunks) != tt.wantChunks || !sameFloat(r.FirstToken, tt.wantFirst) {
				t.Errorf("streamed %v, first token %v, %d chunks; want %v, %v, %d", r.Streamed, r.FirstToken, len(r.Chunks), tt.wantStreamed, tt.wantFirst, tt.wantChunks)
			}
			res, err := analysis.Analyze(nil, raw.Requests, []analysis.Phase{{Model: "m", Name: analysis.PhaseMeasured, Start: 0, End: 10}}, analysis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			l := res.Models[0].Latency
			if l.TTFT.Count != tt.wantTTFT || l.TPOT.Count != tt.wantTPOT || l.E2E.Count != 1 {
				t.Fatalf("ttft %d, tpot %d, e2e %d values; want %d, %d, 1", l.TTFT.Count, l.TPOT.Count, l.E2E.Count, tt.wantTTFT, tt.wantTPOT)
			}
			if tt.wantTTFT > 0 && (math.Abs(l.TTFT.P50-tt.wantTTFTms) > 1e-6 || math.Abs(l.TPOT.P50-tt.wantTPOTms) > 1e-6) {
				t.Errorf("ttft %v ms, tpot %v ms; want %v, %v", l.TTFT.P50, l.TPOT.P50, tt.wantTTFTms, tt.wantTPOTms)
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// Server usage a stream contradicts is replaced by the chunk count when
// the run is read, and the reader says so; an answer that came whole is
// taken as reported (nothing to check it against).
func TestReadChecksUsageAgainstStream(t *testing.T) {
	row := func(id, out int, streamed bool, chunks int) string {
		var cs []string
		for i := range chunks {
			cs = append(cs, strconv.Itoa(10*(i+1))) // ms since start
		}
		first := ""
		if chunks > 0 {
			first = "1.010000"
		}
		return strings.Join([]string{strconv.Itoa(id), "m", "measured", "1.000000", first, "2.000000", "", "1000.000", "5", strconv.Itoa(out), "false", "stop", "", "",
			strings.Join(cs, " "), "", "", strconv.FormatBool(streamed)}, ",")
	}
	dir := writeRun(t, Meta{}, requestsHeader[:len(requestsHeader)-1], // without the chunks column, as before it came
		row(1, 1_000_000, true, 20),
		row(2, 0, true, 20),
		row(3, math.MaxInt64, true, 20),
		row(4, 20, true, 20),
		row(5, 1_000_000, false, 0),
	)
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		out       int
		estimated bool
	}{{20, true}, {20, true}, {20, true}, {20, false}, {1_000_000, false}}
	for i, w := range want {
		if r := raw.Requests[i]; r.OutputTokens != w.out || r.TokensEstimated != w.estimated {
			t.Errorf("request %d: %d output tokens, estimated %v; want %d, %v", r.ID, r.OutputTokens, r.TokensEstimated, w.out, w.estimated)
		}
	}
	if len(raw.Warnings) != 1 || !strings.Contains(raw.Warnings[0], "m: 3 of 4 streamed requests") || !strings.Contains(raw.Warnings[0], "request 1: 1000000 output tokens for 20 text chunks") {
		t.Errorf("warnings %q, want one naming 3 of 4 streamed requests and request 1", raw.Warnings)
	}
}
