package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadErr loads YAML text with overrides and returns the error text; the
// test fails when the config loads.
func loadErr(t *testing.T, yaml string, overrides ...string) string {
	t.Helper()
	_, err := Parse("l.yaml", []byte(yaml), overrides)
	if err == nil {
		t.Fatalf("config loaded; want an error (overrides %q)", overrides)
	}
	return err.Error()
}

func wantIn(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("error %q\nwant it to contain %q", got, want)
	}
}

const simBase = "backend: {type: sim, model: m}\n"

// Every number a run multiplies by has a documented ceiling, checked at
// load with the key's place, before anything allocates for it.
func TestNumericLimits(t *testing.T) {
	for _, c := range []struct {
		yaml      string
		overrides []string
		want      string
	}{
		{simBase, []string{"load.mode=rate", "load.rate=1e308"},
			`override "load.rate=1e308": load.rate: must be at most 10000 requests per second, got 1e+308`},
		{simBase + "load:\n  mode: rate\n  rate: 20000\n", nil, "l.yaml:4: load.rate: must be at most 10000"},
		{simBase + "sweep:\n  rates: [1, 1e9]\n", nil, "l.yaml:3: sweep.rates[1]: must be at most 10000"},
		{simBase, []string{"repetitions=10000000"}, `override "repetitions=10000000": repetitions: must be at most 1000, got 10000000`},
		{simBase, []string{"sweep.rates_between=5000"}, "sweep.rates_between: must be at most 1000"},
		{simBase, []string{"load.concurrency=10000000"}, "load.concurrency: must be at most 100000"},
		{simBase, []string{"load.mode=rate", "load.rate=1", "load.max_concurrency=10000000"}, "load.max_concurrency: must be at most 100000"},
		{simBase, []string{"sweep.rates_between=2", "sweep.max_concurrency=10000000"}, "sweep.max_concurrency: must be at most 100000"},
		// 20 × 20 points × 2 (prefill) × 20 repetitions = 16 000 runs.
		{simBase, []string{"~backend.model", "backend.models=[m0,m1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m14,m15,m16,m17,m18,m19]",
			"sweep.concurrency=[" + strings.TrimSuffix(strings.Repeat("1,", 20), ",") + "]",
			"scenario.prefill_decode=true", "repetitions=20"},
			"runs 16000 model variants (20 models × 20 sweep points × 2 for prefill_decode × 20 repetitions); the limit is 10000"},
		{simBase, []string{"load.max_failure_ratio=1.5"}, "load.max_failure_ratio: must be a share from 0 to 1, got 1.5"},
		{simBase, []string{"metrics.pue=11"}, "metrics.pue: must be at most 10"},
	} {
		wantIn(t, loadErr(t, c.yaml, c.overrides...), c.want)
	}
	sweep := "sweep.concurrency=[" + strings.TrimSuffix(strings.Repeat("1,", 1001), ",") + "]"
	wantIn(t, loadErr(t, simBase, sweep), "sweep.concurrency: 1001 points; the limit is 1000")
}

// A 10 000-deep mapping in backend.extra_body used to load and come back
// as a 200 MB config.yaml; now it stops at the key that goes too deep.
func TestNestingLimit(t *testing.T) {
	const block = "backend:\n  type: sim\n  model: m\n  extra_body:\n"
	var b strings.Builder
	b.WriteString(block)
	for i := range 30 {
		fmt.Fprintf(&b, "%s k%d:\n", strings.Repeat(" ", 3+i), i)
	}
	// The top level is level 1, backend's mapping 2, extra_body's 3, k0's
	// 4: k13's value is the 17th.
	wantIn(t, loadErr(t, b.String()), "l.yaml:18: backend.extra_body.k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13: nested deeper than 16 levels")

	// The 100 KB file: 10 000 levels in flow style.
	deep := strings.Repeat("{a: ", 10000) + "1" + strings.Repeat("}", 10000)
	wantIn(t, loadErr(t, block+"    x: "+deep+"\n"), "l.yaml:5: backend.extra_body.x.a.a.a.a.a.a.a.a.a.a.a.a.a: nested deeper than 16 levels")

	// Through an override alike.
	deep = strings.Repeat("{a: ", 40) + "1" + strings.Repeat("}", 40)
	wantIn(t, loadErr(t, simBase, "backend.extra_body="+deep), `override "backend.extra_body=`)
	wantIn(t, loadErr(t, simBase, "backend.extra_body="+deep), "nested deeper than 16 levels")

	// Reasonable nesting loads.
	if _, err := Parse("ok.yaml", []byte(block+"    chat_template_kwargs: {enable_thinking: true, a: {b: {c: [1, {d: 2}]}}}\n"), nil); err != nil {
		t.Fatal(err)
	}
}

// An anchor used many times is a small file that expands into a huge
// configuration (and config.yaml); the expanded size is limited.
func TestAliasExpansionLimit(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	aliases := strings.TrimSuffix(strings.Repeat("*p, ", 100), ", ")
	yaml := simBase + "scenario:\n  prompts: [&p " + big + ", " + aliases + "]\n"
	wantIn(t, loadErr(t, yaml), "l.yaml:3: scenario.prompts[")
	wantIn(t, loadErr(t, yaml), "with its anchors expanded the configuration passes 4 MiB")

	// Many small values: a 200 KB file of 48 aliases of a 1 000-key
	// anchor.
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d: 1", i)
	}
	block := "backend:\n  type: sim\n  model: m\n  extra_body:\n    base: &x {" + strings.Join(keys, ", ") + "}\n"
	for i := range 48 {
		block += fmt.Sprintf("    c%d: *x\n", i)
	}
	wantIn(t, loadErr(t, block), "has more than 50000 values, keys and lists, the limit")
	// One mapping of many keys: the YAML library checks it in quadratic time.
	wantIn(t, loadErr(t, simBase, "backend.extra_body={"+strings.Join(keys, ", ")+", k1000: 1}"),
		"backend.extra_body: a mapping of 1001 keys; the limit is 1000")

	// A few aliases of a small block are fine.
	ok := simBase + "meters:\n  - &m {name: a, type: exporter, url: sim}\n  - {<<: *m, name: b}\n"
	if _, err := Parse("ok.yaml", []byte(ok), nil); err != nil {
		t.Fatal(err)
	}
}

// The file itself is read no further than the size limit.
func TestConfigFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	data := []byte(simBase + "# " + strings.Repeat("x", 1<<20) + "\n")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, nil)
	if err == nil {
		t.Fatal("a config file over 1 MiB loaded")
	}
	wantIn(t, err.Error(), path+": config file is larger than the 1 MiB limit")
	wantIn(t, loadErr(t, string(data)), "l.yaml: config file is larger than the 1 MiB limit")
}

// Rate mode is capped at load.max_concurrency in flight by default, so a
// stalled server cannot pile up connections; an explicit 0 lifts the cap.
func TestRateModeDefaultMaxConcurrency(t *testing.T) {
	c, err := Parse("r.yaml", []byte(simBase+"load: {mode: rate, rate: 5}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Load.MaxConcurrency != DefaultRateMaxConcurrency || DefaultRateMaxConcurrency != 512 {
		t.Errorf("max_concurrency = %d, want the default %d", c.Load.MaxConcurrency, 512)
	}
	if c.Load.MaxFailureRatio != 0.1 {
		t.Errorf("max_failure_ratio = %g, want the default 0.1", c.Load.MaxFailureRatio)
	}
	c, err = Parse("r.yaml", []byte(simBase+"load: {mode: rate, rate: 5, max_concurrency: 0}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Load.MaxConcurrency != 0 {
		t.Errorf("explicit max_concurrency 0 became %d, want 0 (no cap)", c.Load.MaxConcurrency)
	}
}
