package interchange

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// benchmark_report.json, as optimum-benchmark writes it and AIEnergyScore
// reads it.
//
// Matched against huggingface/optimum-benchmark's BenchmarkReport
// (optimum_benchmark/benchmark/report.py: one object per target holding
// memory, latency, throughput, energy and efficiency; trackers/energy.py:
// energy {"unit": "kWh", cpu, ram, gpu, total} and efficiency {unit,
// value}; trackers/latency.py: latency {"unit": "s", values, count, total,
// mean, p50, p90, p95, p99, stdev, stdev_} and throughput {unit, value}),
// with the targets of AIEnergyScore's text-generation report
// (AIEnergyScore results/benchmark_report.json, energy_star scenario):
// prefill, decode, per_token, preprocess. AIEnergyScore's summarize_gpu_wh.py
// adds energy.gpu over preprocess, prefill and decode. AIEnergyScore's
// fork also writes a "measures" list per target; it is left out because
// upstream optimum-benchmark's Measurements(**dict) rejects unknown keys,
// and leaving it out loads in both.
//
// How aienergy's figures map onto it. A served model's prefill and decode
// energy cannot be told apart from outside the server (requests overlap),
// so the whole measured-phase energy is reported under decode and prefill
// energy is null; AIEnergyScore's own ai_energy_benchmarks reader does the
// same (all energy under decode), so its GPU total is right. Energy is
// gross, as CodeCarbon measures it; cpu/ram/gpu are the cpu, dram and gpu
// components (null when not metered) and total is the headline energy_j
// (components, or the wall meter when there are none). Energy covers the
// requests actually run: AIEnergyScore's text_generation runs 1000
// queries, so its total is "per 1000 queries" only for a 1000-query run —
// decode.latency.count says how many requests this one has.
//   - prefill.latency: each successful request's time to first token (s);
//     prefill.throughput: completed requests / measured duration
//     ("samples/s").
//   - decode.latency: end − first token per successful request (s);
//     decode.throughput: output tokens / measured duration ("tokens/s");
//     decode.energy: the measured phase; decode.efficiency: output tokens
//     per kWh ("tokens/kWh").
//   - per_token.latency: every inter-token (inter-chunk) gap (s).
//   - preprocess: not measured (no client-side tokenization): all null.
//   - memory: not measured: null everywhere.
// Without streaming there is no first token: prefill and per_token latency
// are null and decode.latency holds the end-to-end times.

// obReport is a BenchmarkReport, targets in AIEnergyScore's order.
type obReport struct {
	Prefill    obMeasurements `json:"prefill"`
	Decode     obMeasurements `json:"decode"`
	PerToken   obMeasurements `json:"per_token"`
	Preprocess obMeasurements `json:"preprocess"`
}

type obMeasurements struct {
	Memory     *struct{}  `json:"memory"` // not measured
	Latency    *obLatency `json:"latency"`
	Throughput *obValue   `json:"throughput"`
	Energy     *obEnergy  `json:"energy"`
	Efficiency *obValue   `json:"efficiency"`
}

type obLatency struct {
	Unit   string    `json:"unit"`
	Values []float64 `json:"values"`
	Count  int       `json:"count"`
	Total  float64   `json:"total"`
	Mean   float64   `json:"mean"`
	P50    float64   `json:"p50"`
	P90    float64   `json:"p90"`
	P95    float64   `json:"p95"`
	P99    float64   `json:"p99"`
	Stdev  float64   `json:"stdev"`
	// Stdev_ is the coefficient of variation in percent.
	StdevPct float64 `json:"stdev_"`
}

// obValue is a Throughput or an Efficiency: {unit, value}.
type obValue struct {
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
}

type obEnergy struct {
	Unit  string   `json:"unit"`
	CPU   *float64 `json:"cpu"`
	RAM   *float64 `json:"ram"`
	GPU   *float64 `json:"gpu"`
	Total float64  `json:"total"`
}

const joulesPerKWh = 3.6e6

// WriteBenchmarkReport writes the benchmark_report.json of a single-model
// run; a run with several models has one report per model
// (WriteModelBenchmarkReport, or WriteAll for the files).
func WriteBenchmarkReport(w io.Writer, s *report.Summary, raw *rundir.Raw) error {
	m, err := onlyModel(s)
	if err != nil {
		return err
	}
	return WriteModelBenchmarkReport(w, s, raw, m)
}

// WriteModelBenchmarkReport writes one model's benchmark_report.json.
func WriteModelBenchmarkReport(w io.Writer, s *report.Summary, raw *rundir.Raw, model string) error {
	m, err := findModel(s, model)
	if err != nil {
		return err
	}
	r := benchmarkReport(s, m, measuredRequests(raw, model))
	return writeJSON(w, r)
}

func benchmarkReport(s *report.Summary, m *analysis.ModelResult, reqs []analysis.Request) obReport {
	var first, decode, gaps []float64
	for _, q := range reqs {
		if !q.OK() {
			continue
		}
		t, ok := ttft(q)
		if !s.Backend.Stream || !ok {
			decode = append(decode, q.End-q.Start)
			continue
		}
		first = append(first, t)
		decode = append(decode, q.End-q.FirstToken)
		gaps = append(gaps, itls(q)...)
	}
	r := obReport{}
	r.Prefill.Latency = latency(first)
	r.Decode.Latency = latency(decode)
	r.PerToken.Latency = latency(gaps)
	if m.DurationS > 0 {
		r.Prefill.Throughput = &obValue{Unit: "samples/s", Value: m.Throughput.RequestsPerS}
		r.Decode.Throughput = &obValue{Unit: "tokens/s", Value: m.Throughput.OutputTokensPerS}
	}
	if m.EnergyJ != nil {
		r.Decode.Energy = &obEnergy{
			Unit:  "kWh",
			CPU:   componentKWh(m, "cpu"),
			RAM:   componentKWh(m, "dram"),
			GPU:   componentKWh(m, "gpu"),
			Total: *m.EnergyJ / joulesPerKWh,
		}
		if *m.EnergyJ > 0 {
			r.Decode.Efficiency = &obValue{Unit: "tokens/kWh", Value: float64(m.OutputTokens) / (*m.EnergyJ / joulesPerKWh)}
		}
	}
	return r
}

// latency is optimum-benchmark's Latency.from_values, or nil for no values.
func latency(values []float64) *obLatency {
	if len(values) == 0 {
		return nil
	}
	st := describe(values)
	l := &obLatency{
		Unit: "s", Values: values, Count: st.n, Total: st.sum, Mean: st.mean,
		P50: st.p50, P90: st.p90, P95: st.p95, P99: st.p99,
	}
	// optimum-benchmark reports 0 spread for a single value.
	if st.n > 1 {
		l.Stdev = st.std
		if st.mean != 0 {
			l.StdevPct = st.std / math.Abs(st.mean) * 100
		}
	}
	return l
}

func componentKWh(m *analysis.ModelResult, component string) *float64 {
	c, ok := m.Components[component]
	if !ok || c.EnergyJ == nil {
		return nil
	}
	return ptr(*c.EnergyJ / joulesPerKWh)
}

func onlyModel(s *report.Summary) (string, error) {
	switch len(s.Models) {
	case 0:
		return "", fmt.Errorf("the run has no measured model: nothing to report")
	case 1:
		return s.Models[0].Model, nil
	}
	names := make([]string, len(s.Models))
	for i, m := range s.Models {
		names[i] = m.Model
	}
	return "", fmt.Errorf("the run has %d models (%s): write one file per model (WriteAll)", len(names), strings.Join(names, ", "))
}

func findModel(s *report.Summary, model string) (*analysis.ModelResult, error) {
	for i := range s.Models {
		if s.Models[i].Model == model {
			return &s.Models[i], nil
		}
	}
	return nil, fmt.Errorf("model %q is not in the run's summary", model)
}

func writeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
