// Package interchange writes a run's results in other tools' file formats,
// so that results flow into tooling people already use:
//
//   - benchmark_report.json, the report optimum-benchmark writes and
//     AIEnergyScore reads (see optimum.go for the version matched and how
//     aienergy's figures map onto its targets);
//   - the JSON that `vllm bench serve --save-result --save-detailed` writes
//     (see vllm.go).
//
// Both are derived files: like summary.json they are computed from the run
// directory alone and rewritten by `aienergy report`.
//
// This package imports report (for the Summary), so report cannot call it;
// the command layer calls WriteAll after report.Generate.
package interchange
