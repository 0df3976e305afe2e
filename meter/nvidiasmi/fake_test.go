package nvidiasmi

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// fake sets up testdata/fake-nvidia-smi.sh to answer as the driver whose
// help text is help and whose GPUs printed record.
type fake struct {
	script string
	log    string
}

func newFake(t *testing.T, help, record string) fake {
	t.Helper()
	abs := func(name string) string {
		p, err := filepath.Abs(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := fake{script: abs("fake-nvidia-smi.sh"), log: filepath.Join(t.TempDir(), "calls.log")}
	t.Setenv("FAKE_SMI_HELP", abs(help))
	t.Setenv("FAKE_SMI_RECORD", abs(record))
	t.Setenv("FAKE_SMI_LOG", f.log)
	for _, k := range []string{"FAKE_SMI_FAIL", "FAKE_SMI_FAIL_AFTER", "FAKE_SMI_EXIT_AFTER", "FAKE_SMI_HANG_AFTER", "FAKE_SMI_HANG"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return f
}

// calls lists the argument lists the stand-in was run with.
func (f fake) calls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(f.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// streams lists the calls that started a streaming process (-lms).
func (f fake) streams(t *testing.T) []string {
	var out []string
	for _, c := range f.calls(t) {
		if strings.Contains(c, " -lms ") {
			out = append(out, c)
		}
	}
	return out
}

// startFake builds the meter with the stand-in as its path.
func startFake(t *testing.T, f fake, opts map[string]any, now func() time.Time) (*smiMeter, error) {
	t.Helper()
	all := map[string]any{"path": f.script, "interval": "20ms"}
	for k, v := range opts {
		all[k] = v
	}
	spec := meter.Spec{Name: "smi", Type: "nvidia-smi", Options: all, Source: "bench.yaml:9"}
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	m, err := start(t.Context(), spec, o, now)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, nil
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// eventually polls cond until it holds or 10 s have passed: long enough
// for a loaded CI machine, and no test waits for it when things work.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The watts the records hold, per GPU and field.
var (
	h100Instant = map[string][]float64{
		"gpu0": {70.12, 69.73, 212.46, 486.93, 641.20, 655.08, 662.71, 648.37},
		"gpu1": {71.05, 71.58, 71.14, 70.96, 71.31, 71.09, 71.40, 71.12},
	}
	h100Draw = map[string][]float64{
		"gpu0": {69.84, 69.91, 70.02, 98.77, 164.35, 251.80, 347.62, 439.15},
		"gpu1": {71.27, 71.25, 71.30, 71.22, 71.28, 71.26, 71.29, 71.27},
	}
)

const (
	uuid0 = "GPU-b4f5e9c2-7f0e-3a1d-8c6b-2e9d4f1a7c30"
	uuid1 = "GPU-0d2a6e71-93b4-5c8f-a1e2-7b6c5d4e3f21"
)
