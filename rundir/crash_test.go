package rundir

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/trace"
)

// A phase's row is in phases.csv from the moment it starts, with an empty
// end, and is completed when it ends: a run killed at any moment leaves a
// file that says which phase it was in.
func TestPhaseRowIsWrittenWhenThePhaseStarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := func(s float64) time.Time { return origin.Add(time.Duration(s * float64(time.Second))) }
	phases := func() string {
		b, err := os.ReadFile(filepath.Join(dir, PhasesFile))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	w.Phase("m", "idle_before", at(0), at(1), 0)
	p := w.StartPhase("m", "measured", at(1))
	if got, want := phases(), "model,phase,start_s,end_s,items\nm,idle_before,0.000000,1.000000,\nm,measured,1.000000,,\n"; got != want {
		t.Errorf("phases.csv while measuring:\n%s\nwant:\n%s", got, want)
	}
	p.End(at(3.5), 7)
	if got, want := phases(), "m,measured,1.000000,3.500000,7\n"; !strings.HasSuffix(got, want) {
		t.Errorf("phases.csv after the phase:\n%s\nwant it to end with %q", got, want)
	}
	w.StartPhase("m", "idle_after", at(3.5)).Discard()
	if got := phases(); strings.Contains(got, "idle_after") {
		t.Errorf("a discarded phase is still in phases.csv:\n%s", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Rows reach the file while the run goes, with no Close: what a kill -9
// can lose is bounded by the flush interval.
func TestRowsReachTheFileWithoutClose(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Readings([]meter.Reading{{Meter: "m", Channel: "gpu0", Component: meter.GPU, Time: origin, Watts: 42, Joules: math.NaN()}})
	w.Request("measured", backend.Record{ID: 1, Model: "m", Start: origin, End: origin})
	for _, name := range []string{PowerFile, RequestsFile} {
		deadline := time.Now().Add(30 * time.Second) // flushEvery, generously
		for {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			if strings.Count(string(b), "\n") == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still lacks its row 30 s after it was written:\n%s", name, b)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// cutOffRun writes the files of a run killed during its measured phase:
// run.json without ended_at, the measured phase open. Readings go to
// 5.2 s, requests end up to 5.4 s.
func cutOffRun(t *testing.T, phases string) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteJSON(dir, MetaFile, Meta{Name: "killed"}); err != nil {
		t.Fatal(err)
	}
	power := strings.Join(powerHeader, ",") + "\n"
	for i := 0; i <= 52; i++ {
		power += formatFloat(float64(i)/10, 6) + ",0,m,gpu0,gpu,100,\n"
	}
	requests := strings.Join(requestsHeader[:len(requestsHeader)-1], ",") + "\n" +
		"1,m,warmup,1.5,,1.9,,400,10,10,false,stop,,,,,,false\n" +
		"2,m,measured,2.0,,3.0,,1000,10,10,false,stop,,,,,,false\n" +
		"3,m,measured,2.5,,5.1,,2600,10,20,false,stop,,,,,,false\n" +
		"4,m,measured,3.0,,5.4,,2400,10,40,false,stop,,,,,,false\n"
	for name, body := range map[string]string{PowerFile: power, RequestsFile: requests, PhasesFile: phases} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A run killed during its measured phase is read with that phase ending
// at the last data recorded — here the last reading, 5.2 s, since a
// request that ended later did work no reading covers — and marked
// interrupted, with a warning that says what was done.
func TestReadRecoversCutOffMeasuredPhase(t *testing.T) {
	dir := cutOffRun(t, strings.Join(phasesHeader, ",")+"\nm,idle_before,0,1,\nm,warmup,1,2,\nm,measured,2,,\n")
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !raw.CutOff || !raw.Meta.Interrupted {
		t.Errorf("CutOff %v, Interrupted %v; want both", raw.CutOff, raw.Meta.Interrupted)
	}
	m := findPhase(t, raw.Phases, "measured")
	if m.Start != 2 || m.End != 5.2 {
		t.Errorf("measured phase %v–%v, want 2–5.2 (the last reading)", m.Start, m.End)
	}
	var ids []int
	for _, r := range collect(t, raw) {
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[2] != 3 {
		t.Errorf("requests %v; want 1, 2, 3: request 4 ended after the last reading", ids)
	}
	if w := strings.Join(raw.Warnings, "\n"); !strings.Contains(w, `cut off (killed, or its machine stopped) in the measured phase of "m": the phase is taken to end at 5.200 s`) ||
		!strings.Contains(w, "nor 1 that ended after the last power reading") {
		t.Errorf("warnings do not explain the recovery:\n%s", w)
	}
	// The figures follow: 3.2 s at 100 W, 30 output tokens.
	res, err := analysis.Analyze(collectSamples(t, raw), raw.Requests, raw.Phases, analysis.Options{CountryISO: "USA", PUE: 1})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Models[0].EnergyJ; e == nil || math.Abs(*e-320) > 1e-6 || res.Models[0].OutputTokens != 30 {
		t.Errorf("energy %v J over %d output tokens; want 320 J over 30", e, res.Models[0].OutputTokens)
	}

	// MarkInterrupted makes run.json say so too, once.
	if err := MarkInterrupted(dir); err != nil {
		t.Fatal(err)
	}
	var meta Meta
	if err := ReadJSON(dir, MetaFile, &meta); err != nil || !meta.Interrupted || meta.Name != "killed" {
		t.Errorf("run.json after MarkInterrupted: %+v, %v", meta, err)
	}
}

// Without readings the requests bound the phase: it ends with the last.
func TestReadRecoversCutOffPhaseWithoutReadings(t *testing.T) {
	dir := cutOffRun(t, strings.Join(phasesHeader, ",")+"\nm,measured,2,,\n")
	os.WriteFile(filepath.Join(dir, PowerFile), []byte(strings.Join(powerHeader, ",")+"\n"), 0o644)
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := findPhase(t, raw.Phases, "measured"); m.End != 5.4 || raw.Requests.Len() != 4 {
		t.Errorf("measured ends at %v with %d requests; want 5.4 and all 4", m.End, raw.Requests.Len())
	}
}

// Killed in idle_after, the run is still marked interrupted, its idle
// phase ending with the last reading; killed before a phase recorded any
// data, that phase is left out.
func TestReadRecoversCutOffIdlePhases(t *testing.T) {
	dir := cutOffRun(t, strings.Join(phasesHeader, ",")+"\nm,measured,2,4,\nm,idle_after,4,,\nn,idle_before,9,,\n")
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !raw.Meta.Interrupted {
		t.Error("a run killed in idle_after is not marked interrupted")
	}
	if p := findPhase(t, raw.Phases, "idle_after"); p.End != 5.2 {
		t.Errorf("idle_after ends at %v, want 5.2", p.End)
	}
	if len(raw.Phases) != 2 || !strings.Contains(strings.Join(raw.Warnings, "\n"), `the idle_before phase of "n" was cut off before any data was recorded in it: left out`) {
		t.Errorf("phases %+v, warnings %q; want model n's empty phase left out, and said so", raw.Phases, raw.Warnings)
	}
}

// Run directories of older versions, killed during the measured phase,
// have no row for it: it is rebuilt from the end of the warmup before it.
func TestReadRecoversOldRunWithoutMeasuredRow(t *testing.T) {
	dir := cutOffRun(t, strings.Join(phasesHeader, ",")+"\nm,idle_before,0,1,\nm,warmup,1,1.95,\n")
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := findPhase(t, raw.Phases, "measured"); m.Start != 1.95 || m.End != 5.2 || !raw.Meta.Interrupted {
		t.Errorf("measured %v–%v, interrupted %v; want 1.95–5.2, interrupted", m.Start, m.End, raw.Meta.Interrupted)
	}
}

// A finished run is read as it is, whatever its last rows.
func TestReadLeavesFinishedRunsAlone(t *testing.T) {
	dir := cutOffRun(t, strings.Join(phasesHeader, ",")+"\nm,measured,2,5.5,\n")
	WriteJSON(dir, MetaFile, Meta{EndedAt: finished})
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if raw.CutOff || raw.Meta.Interrupted || raw.Requests.Len() != 4 || len(raw.Warnings) != 0 {
		t.Errorf("CutOff %v, Interrupted %v, %d requests, warnings %q; want the run as recorded", raw.CutOff, raw.Meta.Interrupted, raw.Requests.Len(), raw.Warnings)
	}
}

func findPhase(t *testing.T, phases []trace.Phase, name string) trace.Phase {
	t.Helper()
	for _, p := range phases {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no %s phase in %+v", name, phases)
	return trace.Phase{}
}
