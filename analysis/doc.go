// Package analysis turns a run's raw data — meter samples, request records
// and phase boundaries, as package trace defines them — into energy,
// latency and carbon figures. It reads only what the run directory holds,
// so every figure can be recomputed by `aienergy report RUN_DIR`.
package analysis

// Times in this package are seconds since the run's clock origin (the
// monotonic clock reading taken when the run started).
