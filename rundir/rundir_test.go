package rundir

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
)

// finished is the ended_at of a run that finished: one without it was cut
// off, and is read as such.
var finished = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// What the writer streams out, the reader gives back: times on the run's
// clock, NaN as "no value", chunk arrivals in seconds.
func TestWriteReadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s float64) time.Time { return origin.Add(time.Duration(s * float64(time.Second))) }
	w.Readings([]meter.Reading{
		{Meter: "dcgm", Channel: "gpu0", Component: meter.GPU, Time: at(0.5), Watts: 75.25, Joules: 1234.5},
		{Meter: "pdu", Channel: "phase1", Component: meter.Wall, Time: at(0.25), Watts: 300, Joules: math.NaN()},
	})
	w.Request("measured", backend.Record{
		ID: 7, Model: "m", Start: at(1), FirstToken: at(1.05), End: at(1.5),
		Chunks:      []time.Duration{50 * time.Millisecond, 60 * time.Millisecond},
		InputTokens: 12, OutputTokens: 2, FinishReason: "length", Streamed: true,
	})
	w.Request("measured", backend.Record{
		ID: 8, Model: "m", Start: at(2), End: at(2.1),
		ErrorClass: backend.ErrorHTTP, Error: "500 Internal\nServer Error",
	})
	w.Phase("m", "measured", at(1), at(2.5), 0)
	w.Phase("m", "cnn", at(2.5), at(3), 1000)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(dir, MetaFile, Meta{Name: "x", StartedAt: origin, EndedAt: origin.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}

	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	// In the order recorded: each channel's in time order is what a meter
	// writes; ordering across channels is the reader's (GroupSeries).
	samples := collectSamples(t, raw)
	if len(samples) != 2 || samples[0].Channel != "gpu0" || samples[1].T != 0.25 {
		t.Fatalf("samples = %+v, want two, as recorded", samples)
	}
	if s := samples[1]; !math.IsNaN(s.Joules) || s.Watts != 300 || s.Component != "wall" {
		t.Errorf("pdu sample = %+v, want 300 W and no joules", s)
	}
	if s := samples[0]; s.Joules != 1234.5 || s.Watts != 75.25 {
		t.Errorf("gpu sample = %+v", s)
	}
	reqs := collect(t, raw)
	ok, failed := reqs[0], reqs[1]
	if ok.ID != 7 || ok.Start != 1 || ok.FirstToken != 1.05 || ok.End != 1.5 || ok.OutputTokens != 2 || !ok.OK() || !ok.Streamed || failed.Streamed {
		t.Errorf("request = %+v", ok)
	}
	if len(ok.Chunks) != 2 || ok.Chunks[0] != 0.05 || ok.Chunks[1] != 0.06 {
		t.Errorf("chunks = %v, want [0.05 0.06] s", ok.Chunks)
	}
	if !math.IsNaN(failed.FirstToken) || failed.ErrorClass != backend.ErrorHTTP {
		t.Errorf("failed request = %+v, want no first token and class http", failed)
	}
	if len(raw.Phases) != 2 || raw.Phases[0].End != 2.5 || raw.Phases[0].Items != 0 || raw.Phases[1].Items != 1000 {
		t.Errorf("phases = %+v", raw.Phases)
	}
}

// A crash can leave half a row; the reader drops it and says so, instead
// of failing the whole run or reading a wrong value.
func TestReadDropsHalfWrittenLastRow(t *testing.T) {
	dir := t.TempDir()
	WriteJSON(dir, MetaFile, Meta{EndedAt: finished})
	files := map[string]string{
		PowerFile:    strings.Join(powerHeader, ",") + "\n0.1,1.1,m,gpu0,gpu,50,\n0.2,1.2,m,gp",
		RequestsFile: strings.Join(requestsHeader, ",") + "\n",
		PhasesFile:   strings.Join(phasesHeader, ",") + "\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
	}
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(collectSamples(t, raw)) != 1 || len(raw.Warnings) != 1 || !strings.Contains(raw.Warnings[0], "incomplete last row") {
		t.Errorf("samples %d, warnings %q; want 1 sample and a warning", len(collectSamples(t, raw)), raw.Warnings)
	}
}

func TestReadErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	WriteJSON(dir, MetaFile, Meta{EndedAt: finished})
	// A damaged cell costs its row, not the run: the row is skipped and a
	// warning names the file, the line and the column.
	os.WriteFile(filepath.Join(dir, PowerFile), []byte(strings.Join(powerHeader, ",")+"\n0.1,1,m,c,gpu,50,\nzero,1,m,c,gpu,50,\n0.3,1,m,c,gpu,16x.000,\n0.4,1,m,c,gpu,50\n0.5,1,m,c,gpu,50,\n"), 0o644)
	os.WriteFile(filepath.Join(dir, RequestsFile), []byte(strings.Join(requestsHeader, ",")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, PhasesFile), []byte(strings.Join(phasesHeader, ",")+"\n"), 0o644)
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(collectSamples(t, raw)) != 2 || len(raw.Warnings) != 1 || !strings.Contains(raw.Warnings[0], "power.csv: 3 unreadable row(s) skipped; the first: line 3: t_s: \"zero\" is not a number") {
		t.Errorf("samples %d, warnings %q; want 2 samples and a warning naming line 3", len(collectSamples(t, raw)), raw.Warnings)
	}
	os.WriteFile(filepath.Join(dir, PhasesFile), []byte(strings.Join(phasesHeader, ",")+"\nm,measured,x,1\n"), 0o644)
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "phases.csv:2") {
		t.Errorf("err = %v, want phases.csv:2: a phase without times places nothing", err)
	}
	os.WriteFile(filepath.Join(dir, RequestsFile), []byte("id,model\n"), 0o644)
	_, err = Read(dir)
	if err == nil || !strings.Contains(err.Error(), `requests.csv:1: missing column "phase"`) {
		t.Errorf("err = %v, want a missing column error", err)
	}
}

func TestCreateRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644)
	if _, err := Create(dir, time.Now()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("err = %v, want a refusal to write into a non-empty directory", err)
	}
}
