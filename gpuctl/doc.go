// Package gpuctl reads and sets what a power-cap or clock sweep changes on
// a GPU — its power limit (nvidia-smi -pl) and locked graphics clock
// (nvidia-smi -lgc) — and puts them back afterwards.
//
// A Controller reaches a set of GPUs: the machine's own through NVML
// (package gpuctl/nvml, which needs root) or the built-in simulator's
// modeled ones over its /sim/gpu API (Sim). Check refuses, before anything
// runs, a sweep the process may not apply (no privilege) or the GPUs
// cannot (a value outside a GPU's range). A Session applies the sweep's
// points: Begin writes every GPU's original settings to a file before the
// first change, Apply sets a point and reads back what is in force, and
// Restore puts the originals back, as often as it is called. A process
// that is killed outright cannot restore anything; RestoreFile does it
// later from the file (aienergy restore-gpu).
//
// NVML has no call that reads which clocks are locked, so the originals
// of a real GPU say "unknown" and restoring unlocks its clocks
// (nvidia-smi -rgc): a lock set before the sweep is lost. Clocks are
// touched only by a sweep that sets them.
package gpuctl
