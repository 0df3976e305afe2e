package rundir

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/trace"
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
			r := collect(t, raw)[0]
			if r.Streamed != tt.wantStreamed || len(r.Chunks) != tt.wantChunks || !sameFloat(r.FirstToken, tt.wantFirst) {
				t.Errorf("streamed %v, first token %v, %d chunks; want %v, %v, %d", r.Streamed, r.FirstToken, len(r.Chunks), tt.wantStreamed, tt.wantFirst, tt.wantChunks)
			}
			// The latency figures take each request's TTFT and TPOT.
			ttft, hasTTFT := r.TTFT()
			tpot, hasTPOT := r.TPOT()
			if hasTTFT != (tt.wantTTFT > 0) || hasTPOT != (tt.wantTPOT > 0) {
				t.Fatalf("has ttft %v, tpot %v; want %v, %v", hasTTFT, hasTPOT, tt.wantTTFT > 0, tt.wantTPOT > 0)
			}
			if hasTTFT && (math.Abs(ttft*1000-tt.wantTTFTms) > 1e-6 || math.Abs(tpot*1000-tt.wantTPOTms) > 1e-6) {
				t.Errorf("ttft %v ms, tpot %v ms; want %v, %v", ttft*1000, tpot*1000, tt.wantTTFTms, tt.wantTPOTms)
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// Read gives the server's usage as recorded, even where the stream
// contradicts it: checking one against the other is the analysis's
// (the usage check Analyze makes in its pass; analysis.CorrectUsage),
// not the file format's.
func TestReadKeepsUsageAsRecorded(t *testing.T) {
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
		row(2, math.MaxInt64, true, 20),
		row(3, 20, true, 20),
		row(4, 1_000_000, false, 0),
	)
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ out, chunks int }{{1_000_000, 20}, {math.MaxInt64, 20}, {20, 20}, {1_000_000, 0}}
	for i, w := range want {
		if r := collect(t, raw)[i]; r.OutputTokens != w.out || r.TokensEstimated || r.ContentChunks() != w.chunks {
			t.Errorf("request %d: %d output tokens (estimated %v) for %d chunks; want %d as recorded for %d", r.ID, r.OutputTokens, r.TokensEstimated, r.ContentChunks(), w.out, w.chunks)
		}
	}
	if len(raw.Warnings) != 0 {
		t.Errorf("warnings %q, want none", raw.Warnings)
	}
}

// collect is a pass over raw's requests, kept.
func collect(t *testing.T, raw *Raw) []trace.Request {
	t.Helper()
	reqs, err := trace.Collect(raw.Requests)
	if err != nil {
		t.Fatal(err)
	}
	return reqs
}

// parseDecimal is ParseFloat, bit for bit, on what the writer writes, and
// declines the rest.
func TestParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "0.000", "1.5", "123.456", "99999.999", "0.001", "7", "123456789.123456", "450359962.737049"} {
		want, _ := strconv.ParseFloat(s, 64)
		if got, ok := parseDecimal(s); !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseDecimal(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", ".", "-1.5", "1e3", "1.2.3", "1.1234567", "NaN", "+1", "1234567890123456", " 1"} {
		if v, ok := parseDecimal(s); ok {
			t.Errorf("parseDecimal(%q) = %v, ok; want it declined", s, v)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"12.345", "0.5", "999999.999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDecimal(s)
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("parseDecimal(%q) = %v; ParseFloat %v, %v", s, got, want, err)
		}
	})
}

// collectSamples is a pass over raw's samples, kept.
func collectSamples(t *testing.T, raw *Raw) []trace.Sample {
	t.Helper()
	samples, err := trace.CollectSamples(raw.Samples)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}
