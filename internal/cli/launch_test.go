package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/testenv"
)

// backend.launch starts the server inside the run (here the simulator, as
// a real child process), measures its start-up apart from the model, and
// stops it at the end.
func TestRunLaunchesTheServer(t *testing.T) {
	port := testenv.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfg := filepath.Join(t.TempDir(), "l.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`name: launched
backend:
  type: vllm
  model: sim-model
  endpoint: http://%s/v1
  launch: %q
scenario: {num_samples: 6}
phases: {idle_before: 0.3s, warmup_requests: 0, idle_after: 0.3s}
meters:
  - {name: gpu, type: exporter, url: http://%s/metrics, preset: dcgm}
`, addr, os.Args[0]+" "+helperArg+" sim --addr "+addr+" --ttft 5ms --itl 2ms", addr)), 0o644)
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", cfg, "--output", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum struct {
		Completed     int `json:"completed"`
		ServerStartup *struct {
			DurationS float64 `json:"duration_s"`
		} `json:"server_startup"`
		Models []struct {
			Model   string   `json:"model"`
			EnergyJ *float64 `json:"energy_j"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "summary.json"))), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Completed != 6 || len(sum.Models) != 1 || sum.Models[0].Model != "sim-model" {
		t.Errorf("completed %d, models %+v; want 6 requests of sim-model only", sum.Completed, sum.Models)
	}
	if sum.ServerStartup == nil || sum.ServerStartup.DurationS <= 0 {
		t.Errorf("server start-up not reported: %+v", sum.ServerStartup)
	}
	if log := mustRead(t, filepath.Join(dir, "server.log")); !strings.Contains(log, "aienergy sim serving") {
		t.Errorf("server.log does not hold the server's output:\n%s", log)
	}
	// The server's own meter (its /metrics) cannot answer before the server
	// is up: it is probed again once the server is healthy, and used.
	var meta struct {
		Meters []struct {
			Name  string `json:"name"`
			Error string `json:"error"`
			Reads int    `json:"reads"`
		} `json:"meters"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "run.json"))), &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Meters) != 1 || meta.Meters[0].Error != "" || meta.Meters[0].Reads == 0 {
		t.Errorf("meters %+v: want gpu used after the server came up", meta.Meters)
	}
	if sum.Models[0].EnergyJ == nil {
		t.Error("no energy for the launched server's model")
	}
	// The server was stopped at the end of the run.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("the launched server still answers on %s after the run", addr)
	}
}
