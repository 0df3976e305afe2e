package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/sim"
)

// `aienergy meters CONFIG` reads every configured meter once and shows its
// channels, and says why an unreachable one does not work; --watch keeps
// printing live watts.
func TestMetersCommand(t *testing.T) {
	_, url := serveSim(t, sim.Config{GPUs: 2})
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	os.WriteFile(cfg, []byte("backend: {type: sim, model: m}\nmeters:\n"+
		"  - {name: dcgm, type: exporter, url: "+url+"/metrics, preset: dcgm}\n"+
		"  - {name: gone, type: exporter, url: http://127.0.0.1:1/metrics}\n"+
		"  - {name: cpu, type: cpu-estimate, tdp_watts: 100}\n"), 0o644)

	stdout, stderr, code := runCLI(t, "meters", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"ok       dcgm (exporter): 2 channel(s)", "gpu0", "gpu1", "60.0 W, counter",
		"error    gone (exporter):",
		"ok       cpu (cpu-estimate)", "note: estimate: 1 × 100 W TDP",
		"missing  rapl (rapl):",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("meters output lacks %q:\n%s", want, stdout)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 1300*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	if code := Execute(ctx, []string{"meters", cfg, "--watch", "--interval", "300ms"}, &out, &errb); code != 0 {
		t.Fatalf("--watch exit %d: %s", code, errb.String())
	}
	lines := strings.Count(out.String(), "dcgm/gpu0 60.0 W")
	if lines < 2 {
		t.Errorf("--watch printed %d live lines for dcgm/gpu0:\n%s", lines, out.String())
	}
}
