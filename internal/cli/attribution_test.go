package cli

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sim"
	"github.com/aienergy/aienergy/trace"
)

// attributionConfig measures a simulator the test serves itself (so that
// the test can ask it for each request's truth) through its dcgm metrics.
// Output lengths vary (no ignore_eos, up to 256 tokens) and the built-in
// prompts do, so requests differ in energy; 8 in flight never queue for
// the 16 slots.
const attributionConfig = `name: attribution
backend:
  type: vllm
  model: sim-model
  endpoint: %[1]s/v1
scenario:
  dataset_name: builtin
  num_samples: 40
  generate_kwargs:
    max_new_tokens: 256
load:
  concurrency: 8
  requests: 80
phases:
  idle_before: 2s
  warmup_requests: 2
  idle_after: 2s
meters:
  - name: sim-gpu
    type: exporter
    url: %[1]s/metrics
    preset: dcgm
sampling:
  interval: 100ms
`

// The simulator knows what each request is due under its own power model
// (every running sequence draws alike). Run against it, the attribution
// must put every measured joule somewhere — requests + unattributed =
// the measured energy exactly, the requests alone within 0.1 % of it in a
// closed loop that is never idle — and give each request, at the median,
// its modeled share within 2 %, gross and net.
func TestRunAttributionMatchesSimulatorPerRequest(t *testing.T) {
	srv, url := serveSim(t, sim.Config{Seed: 3})
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "attribution.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, attributionConfig, url), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	stdout, stderr, code := runCLI(t, "run", cfgPath, "--output", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	sum := readAttributionSummary(t, out)
	if len(sum.Models) != 1 || len(sum.RequestEnergy) != 1 || sum.Models[0].EnergyJ == nil {
		t.Fatalf("want one model with energy and its request_energy; got %d models, %d request_energy", len(sum.Models), len(sum.RequestEnergy))
	}
	measured, re := *sum.Models[0].EnergyJ, sum.RequestEnergy[0]
	if re.IdleJ == nil || re.PrefillShare == nil {
		t.Fatalf("idle_j %v, prefill_share %v: want both with an idle baseline", re.IdleJ, re.PrefillShare)
	}
	rows := readRequestEnergy(t, filepath.Join(out, "request_energy.csv"))

	// Conservation, exactly, and the requests' part of it.
	var gross, net float64
	for _, r := range rows {
		gross += r.gross
		net += r.net
	}
	t.Logf("measured %.2f J: requests %.2f J (%.4f%%), unattributed %.4f J; net requests %.2f J + idle %.2f J; prefill weight %+v",
		measured, gross, 100*gross/measured, re.UnattributedJ, net, *re.IdleJ, re.PrefillWeights)
	checkClose(t, "energy split", re.EnergyJ, measured, 1e-9)
	checkClose(t, "requests + unattributed", gross+re.UnattributedJ, measured, 1e-9)
	checkClose(t, "net requests + idle + unattributed", net+*re.IdleJ+re.UnattributedJ, measured, 1e-9)
	checkClose(t, "requests alone", gross, measured, 0.001)

	// Each request against the simulator's truth for it.
	raw, err := rundir.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	all, err := trace.Collect(raw.Requests)
	if err != nil {
		t.Fatal(err)
	}
	truth := matchTruth(t, all, srv.RequestEnergies())
	var grossErr, netErr []float64
	var truthGross, truthNet, truthPrefill float64
	for _, r := range rows {
		tr, ok := truth[r.id]
		if !ok {
			t.Fatalf("request %d has no simulator truth", r.id)
		}
		grossErr = append(grossErr, math.Abs(r.gross-tr.Joules)/tr.Joules)
		netErr = append(netErr, math.Abs(r.net-tr.NetJoules)/tr.NetJoules)
		truthGross += tr.Joules
		truthNet += tr.NetJoules
		truthPrefill += tr.NetPrefillJoules
	}
	g, n := analysis.Summarize(grossErr), analysis.Summarize(netErr)
	t.Logf("per-request error against the simulator's truth, %d requests: gross p50 %.3f%% p90 %.3f%% max %.3f%%; net p50 %.3f%% p90 %.3f%% max %.3f%%",
		g.Count, 100*g.P50, 100*g.P90, 100*g.Max, 100*n.P50, 100*n.P90, 100*n.Max)
	if !(g.P50 <= 0.02 && n.P50 <= 0.02) {
		t.Errorf("median per-request error %.2f%% gross, %.2f%% net; want within 2%%", 100*g.P50, 100*n.P50)
	}
	t.Logf("requests %.2f J, simulator %.2f J; net %.2f J, simulator %.2f J; prefill share %.4f, simulator %.4f",
		gross, truthGross, net, truthNet, *re.PrefillShare, truthPrefill/truthNet)
	f := re.Fit
	t.Logf("J/request p50 %.3f p90 %.3f p99 %.3f; net fit over %d requests: %.4f J/prompt token, %.4f J/output token (simulator: %g), intercept %.3f J, R² %.4f",
		re.JoulesPerRequest.P50, re.JoulesPerRequest.P90, re.JoulesPerRequest.P99, f.Requests,
		deref(f.JoulesPerPromptToken), deref(f.JoulesPerOutputToken), sim.DefaultWattsPerSeq*sim.DefaultITL.Seconds(), deref(f.InterceptJ), deref(f.R2))
}

type attributionSummary struct {
	Models []struct {
		EnergyJ *float64 `json:"energy_j"`
	} `json:"models"`
	RequestEnergy []struct {
		EnergyJ          float64                  `json:"energy_j"`
		UnattributedJ    float64                  `json:"unattributed_j"`
		IdleJ            *float64                 `json:"idle_j"`
		JoulesPerRequest analysis.Distribution    `json:"joules_per_request"`
		Fit              analysis.EnergyFit       `json:"fit"`
		PrefillShare     *float64                 `json:"prefill_share"`
		PrefillWeights   []analysis.PrefillWeight `json:"prefill_weights"`
	} `json:"request_energy"`
}

func readAttributionSummary(t *testing.T, dir string) attributionSummary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s attributionSummary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

type energyRow struct {
	id         int
	gross, net float64
}

// readRequestEnergy reads request_energy.csv's measured requests.
func readRequestEnergy(t *testing.T, path string) []energyRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var rows []energyRow
	for _, r := range recs[1:] {
		if r[col["phase"]] != trace.PhaseMeasured {
			continue
		}
		id, err1 := strconv.Atoi(r[col["request_id"]])
		g, err2 := strconv.ParseFloat(r[col["energy_j"]], 64)
		n, err3 := strconv.ParseFloat(r[col["net_energy_j"]], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("request_energy.csv row %v: %v %v %v", r, err1, err2, err3)
		}
		rows = append(rows, energyRow{id, g, n})
	}
	if len(rows) == 0 {
		t.Fatal("request_energy.csv has no measured requests")
	}
	return rows
}

// matchTruth pairs the run's requests with the simulator's records: the
// client cannot see the server's ids, but a request's prompt and output
// lengths, and its order among those alike, name it (the same prompt comes
// back only after all the others).
func matchTruth(t *testing.T, reqs []trace.Request, truths []sim.RequestTruth) map[int]sim.RequestTruth {
	t.Helper()
	type key struct{ in, out int }
	byKey := map[key][]sim.RequestTruth{}
	for _, tr := range truths {
		k := key{tr.PromptTokens, tr.OutputTokens}
		byKey[k] = append(byKey[k], tr)
	}
	for _, list := range byKey {
		slices.SortFunc(list, func(a, b sim.RequestTruth) int { return a.Admitted.Compare(b.Admitted) })
	}
	reqs = slices.Clone(reqs)
	slices.SortFunc(reqs, func(a, b trace.Request) int { return cmp.Compare(a.Start, b.Start) })
	out := map[int]sim.RequestTruth{}
	for _, r := range reqs {
		k := key{r.InputTokens, r.OutputTokens}
		if len(byKey[k]) == 0 {
			t.Fatalf("request %d (%d in, %d out) has no simulator record", r.ID, r.InputTokens, r.OutputTokens)
		}
		out[r.ID] = byKey[k][0]
		byKey[k] = byKey[k][1:]
	}
	return out
}

func checkClose(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if !(math.Abs(got-want) <= rel*math.Abs(want)) { // a NaN fails too
		t.Errorf("%s = %.9g, want %.9g within %g", what, got, want, rel)
	}
}
