// Package rundir writes and reads a run directory: the raw, self-describing
// record of one benchmark run from which every figure can be recomputed.
//
// Times in the CSV files are seconds since the run's clock origin (t_s),
// taken from Go's monotonic clock so that meter readings and request
// timings share one clock; the wall-clock time of the origin is in run.json
// and each power row also carries unix_s = origin + t_s for other tools.
package rundir

// File names inside a run directory.
const (
	ConfigFile   = "config.yaml"   // resolved config, secrets redacted
	MetaFile     = "run.json"      // run metadata: what ran, on what, how meters behaved
	PowerFile    = "power.csv"     // one row per meter reading
	RequestsFile = "requests.csv"  // one row per request
	PhasesFile   = "phases.csv"    // one row per model phase
	SummaryFile  = "summary.json"  // every figure, see docs/output.md
	EmissionsCSV = "emissions.csv" // CodeCarbon-compatible
	ResultsCSV   = "results.csv"   // flattened results, the seed's reporter CSV
)

var (
	powerHeader    = []string{"t_s", "unix_s", "meter", "channel", "component", "watts", "joules"}
	requestsHeader = []string{"id", "model", "phase", "start_s", "first_token_s", "end_s",
		"ttft_ms", "e2e_ms", "input_tokens", "output_tokens", "tokens_estimated",
		"finish_reason", "error_class", "error", "chunk_ms", "items", "reasoning_tokens", "streamed", "chunks"}
	phasesHeader = []string{"model", "phase", "start_s", "end_s", "items"}
)

// StartupLabel is the phases.csv model label of a launched model server's
// start-up (launch to first healthy answer): its energy is reported on its
// own, never in a model's or the run's figures.
const StartupLabel = "server start-up"
