package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/synthrun"
	"github.com/aienergy/aienergy/rundir"
)

// A day-long run at about 200 req/s, 17 million requests, written by
// package synthrun and reported by the binary TestMain builds, under 500
// MB of memory:
//
//	AIENERGY_ACCEPTANCE=1 go test -run AcceptanceLongRun -v -timeout 60m ./cmd/aienergy
//
// AIENERGY_LONG_REQUESTS sets another count (the day is then shorter or
// longer at the same rate); AIENERGY_LONG_CHANNELS and
// AIENERGY_LONG_INTERVAL (a Go duration) more power channels or a faster
// meter than the default one channel at 1 Hz. The run directory takes about 4.5 GB of disk
// while the test runs; docs/limits.md shows the numbers of the last run.
func TestAcceptanceLongRunReport(t *testing.T) {
	requireAcceptance(t)
	const limitMB = 500
	const gnuTime = "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		t.Fatalf("%v: install GNU time (apt-get install time)", err)
	}
	spec := synthrun.Day
	var err error
	if v := os.Getenv("AIENERGY_LONG_REQUESTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("AIENERGY_LONG_REQUESTS=%q: want a count", v)
		}
		rate := float64(spec.Requests) / spec.Measured.Seconds()
		spec.Requests, spec.Measured = n, time.Duration(float64(n)/rate*float64(time.Second)).Round(time.Second)
	}
	if v := os.Getenv("AIENERGY_LONG_CHANNELS"); v != "" {
		if spec.Channels, err = strconv.Atoi(v); err != nil || spec.Channels < 1 {
			t.Fatalf("AIENERGY_LONG_CHANNELS=%q: want a count", v)
		}
	}
	if v := os.Getenv("AIENERGY_LONG_INTERVAL"); v != "" {
		if spec.SampleInterval, err = time.ParseDuration(v); err != nil || spec.SampleInterval <= 0 {
			t.Fatalf("AIENERGY_LONG_INTERVAL=%q: want a duration", v)
		}
	}
	dir := filepath.Join(t.TempDir(), "run")
	began := time.Now()
	truth, err := synthrun.Write(dir, spec, func(done int) {
		if done > 0 && done%5_000_000 == 0 {
			t.Logf("written %d requests", done)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, rundir.RequestsFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d requests over %s (requests.csv %.2f GB), %d power channels every %s, in %.0f s",
		spec.Requests, spec.Measured, float64(st.Size())/1e9, max(spec.Channels, 1), spec.SampleInterval, time.Since(began).Seconds())

	rssFile := filepath.Join(t.TempDir(), "rusage")
	cmd := exec.Command(gnuTime, "-o", rssFile, "-f", "%M %e %U %S", aienergy, "report", dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("aienergy report: %v\n%s", err, tail(out.String(), 4000))
	}
	fields := strings.Fields(read(filepath.Dir(rssFile), "rusage"))
	var rssKB int
	var wall, user, sys float64
	if _, err := fmt.Sscan(strings.Join(fields[max(len(fields)-4, 0):], " "), &rssKB, &wall, &user, &sys); err != nil {
		t.Fatalf("%s gave no resource use: %v", gnuTime, err)
	}
	rss := rssKB / 1024
	t.Logf("| %d requests | requests.csv %.2f GB | max RSS %d MB | %.0f s wall, %.0f s CPU | %.2f µs per request |",
		spec.Requests, float64(st.Size())/1e9, rss, wall, user+sys, wall/float64(spec.Requests)*1e6)
	if rss >= limitMB {
		t.Errorf("aienergy report took %d MB at most, want under %d", rss, limitMB)
	}

	var s struct {
		Models []struct {
			Completed          int      `json:"completed"`
			OutputTokens       int      `json:"output_tokens"`
			EnergyJ            *float64 `json:"energy_j"`
			EnergyUncertaintyJ *float64 `json:"energy_uncertainty_j"`
			Latency            map[string]struct {
				P50, P99 *float64
				RelErr   float64 `json:"quantile_rel_error"`
			} `json:"latency"`
		} `json:"models"`
	}
	data, err := os.ReadFile(filepath.Join(dir, rundir.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Models) != 1 {
		t.Fatalf("%d models in summary.json, want 1", len(s.Models))
	}
	m := s.Models[0]
	if m.Completed != truth.Completed || m.OutputTokens != truth.OutputTokens {
		t.Errorf("%d completed, %d output tokens; want %d and %d", m.Completed, m.OutputTokens, truth.Completed, truth.OutputTokens)
	}
	if m.EnergyJ == nil || m.EnergyUncertaintyJ == nil || math.Abs(*m.EnergyJ-truth.EnergyJ) > *m.EnergyUncertaintyJ+1e-6*truth.EnergyJ {
		t.Errorf("energy %v ± %v J, want %.0f J", m.EnergyJ, m.EnergyUncertaintyJ, truth.EnergyJ)
	}
	for _, c := range []struct {
		name string
		p    float64
		want float64
	}{
		{"ttft_ms", 50, truth.TTFTMs(50)}, {"ttft_ms", 99, truth.TTFTMs(99)},
		{"e2e_ms", 50, truth.E2EMs(50)}, {"e2e_ms", 99, truth.E2EMs(99)},
		{"itl_ms", 50, truth.ITLMs}, {"itl_ms", 99, truth.ITLMs},
	} {
		d := m.Latency[c.name]
		got := d.P50
		if c.p == 99 {
			got = d.P99
		}
		// The stated relative error, and 2 µs for the CSV's rounding of
		// each time to the µs.
		if got == nil || math.Abs(*got-c.want) > d.RelErr*c.want+0.002 {
			t.Errorf("%s p%v = %v ms (stated relative error %g), want %.4f", c.name, c.p, got, d.RelErr, c.want)
		} else {
			t.Logf("%s p%v = %.4f ms, truth %.4f, stated relative error %g", c.name, c.p, *got, c.want, d.RelErr)
		}
	}
}
