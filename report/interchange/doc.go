// Package interchange writes a run's results in other tools' file formats,
// so that results flow into tooling people already use:
//
//   - benchmark_report.json, the file AIEnergyScore reads: optimum-benchmark's
//     targets and the sections of ai_energy_benchmarks' results;
//   - optimum_benchmark_report.json, optimum-benchmark's BenchmarkReport
//     alone (see optimum.go for why these are two files, the versions
//     matched and how aienergy's figures map onto them);
//   - the JSON that `vllm bench serve --save-result --save-detailed` writes
//     (see vllm.go).
//
// A run's requests are never held: the figures are made in two passes over
// requests.csv (all labels at once), and each per-request list is written
// as a pass reads it, in the order requests.csv holds the requests (see
// measured). Percentiles come from quantile sketches: exact for any run
// a person checks by hand, within 0.1 % past a quarter million values, as
// the files state. Past DetailedMaxRequests requests or DetailedMaxGaps
// gaps a label's per-request lists are left out, as vLLM leaves them out
// without --save-detailed.
//
// The tests write down each reader's rules, with the file and lines of its
// source they come from (consumers_test.go, vllm_rules_test.go).
//
// All are derived files: like summary.json they are computed from the run
// directory alone and rewritten by `aienergy report`.
//
// This package imports report (for the Summary), so report cannot call it;
// the command layer calls WriteAll after report.GenerateRaw.
package interchange
