package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead writes fuzzed power.csv, requests.csv and phases.csv into a run
// directory and reads it back: Read returns data or an error, never
// panics, whatever a damaged or hand-edited run directory holds.
func FuzzRead(f *testing.F) {
	row := func(cells ...string) string { return strings.Join(cells, ",") + "\n" }
	power := row(powerHeader...) +
		row("0.5", "1700000000.5", "nvml", "gpu0", "gpu", "300.5", "") +
		row("1.5", "1700000001.5", "rapl", "package-0", "cpu", "", "12.000001")
	requests := row(requestsHeader[:len(requestsHeader)-1]...) +
		row("1", "m", "measured", "1", "1.1", "2", "100", "1000", "10", "20", "false", "stop", "", "", "100 150.5 900", "", "0", "true") +
		row("2", "m", "measured", "1.2", "", "1.3", "", "100", "", "", "true", "", "http", "\"HTTP 500, \"\"x\"\"\"", "", "", "", "false")
	phases := row(phasesHeader...) + row("m", "idle_before", "0", "0.9", "") + row("m", "measured", "1", "", "")
	f.Add([]byte(power), []byte(requests), []byte(phases))
	f.Add([]byte(power[:len(power)-5]), []byte(requests), []byte(row(phasesHeader[:4]...)+row("m", "measured", "1", "NaN")))
	f.Add([]byte(""), []byte("id\n"), []byte(phases))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, power, requests, phases []byte) {
		for name, data := range map[string][]byte{
			MetaFile: []byte(`{"tool":"aienergy"}`), PowerFile: power, RequestsFile: requests, PhasesFile: phases,
		} {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := Read(dir)
		if err == nil && raw == nil {
			t.Fatal("no data and no error")
		}
	})
}
