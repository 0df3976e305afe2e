package accuracy

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/internal/pduemu"
	"github.com/aienergy/aienergy/meter"
	_ "github.com/aienergy/aienergy/meter/snmp" // registers the snmp meter
	"github.com/aienergy/aienergy/trace"
)

// A benchmark as a PDU sees it: idle, 25 s of load, idle. The phases are
// on the profile's clock.
const (
	idleW, loadW                     = 60.0, 1300.0
	idleBefore, measured, idleAfterS = 8 * time.Second, 25 * time.Second, 8 * time.Second
)

// TestPDUFiguresAgainstTruth reads an emulated APC rPDU2 (power in 10 W,
// energy in 0.1 kWh) and Raritan PX (W, Wh) through a real snmpd with the
// real snmp meter and sampler, refreshed once a second as real PDUs are,
// and checks gross and net energy of the measured phase against the
// profile's exact integral: within 2 %, or with a stated uncertainty that
// covers the error and a warning that the meter is too coarse for the
// window. The 0.1 kWh counter sits 20 kJ below a step, so it moves once
// inside the window — the case that used to report 360 000 J.
func TestPDUFiguresAgainstTruth(t *testing.T) {
	profile := pduemu.Profile{
		{D: idleBefore, W: idleW},
		{D: measured, W: loadW},
		{D: idleAfterS + 2*time.Second, W: idleW},
	}
	pdu := pduemu.Start(t, profile, pduemu.Options{
		Start:   time.Now().Add(1500 * time.Millisecond).Truncate(time.Microsecond),
		Offset:  100*pduemu.TenthKWh - 20000,
		Refresh: time.Second,
		// 13.4 kJ below where a Counter32 in Wh wraps: mid-load.
		Counter32Offset: (1<<32)*pduemu.WattHour - 13400,
	})
	cases := []struct {
		name, preset string
		every        time.Duration
	}{
		{"apc-10hz", "apc_rpdu2", 100 * time.Millisecond},
		{"apc-1hz", "apc_rpdu2", time.Second},
		{"raritan-1hz", "raritan", time.Second},
		// A Counter32 Wh object alone, read at 10 Hz: it wraps inside the
		// measured phase, which the meter's declared range must make a
		// wrap, not a reset that loses the step.
		{"counter32-wh", "", 100 * time.Millisecond},
	}
	type result struct {
		samples []trace.Sample
		opts    analysis.Options
	}
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	end := pdu.Start.Add(idleBefore + measured + idleAfterS + 300*time.Millisecond)
	for i, c := range cases {
		spec := pdu.Spec(c.name, c.preset)
		if c.preset == "" {
			delete(spec.Options, "preset")
			spec.Options["oids"] = []any{map[string]any{"oid": pduemu.Counter32WhOID, "kind": "energy", "scale": pduemu.WattHour, "channel": "pdu1"}}
		}
		m, err := meter.New(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := m.Read(ctx); err != nil {
			cancel()
			t.Fatalf("%s: first read: %v", c.name, err)
		}
		cancel()
		results[i].opts = declared(m)
		var mu sync.Mutex
		s := meter.NewSampler([]meter.Meter{m}, c.every, func(rs []meter.Reading) {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range rs {
				results[i].samples = append(results[i].samples, trace.Sample{
					Meter: r.Meter, Channel: r.Channel, Component: string(r.Component),
					T: r.Time.Sub(pdu.Start).Seconds(), Watts: r.Watts, Joules: r.Joules,
				})
			}
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Start(context.Background())
			time.Sleep(time.Until(end))
			s.Stop()
		}()
	}
	wg.Wait()

	from, to := idleBefore.Seconds(), (idleBefore + measured).Seconds()
	phases := []trace.Phase{
		{Model: "m", Name: trace.PhaseIdleBefore, Start: 0, End: from},
		{Model: "m", Name: trace.PhaseMeasured, Start: from, End: to},
		{Model: "m", Name: trace.PhaseIdleAfter, Start: to, End: (idleBefore + measured + idleAfterS).Seconds()},
	}
	gross := pdu.TrueEnergy(pdu.Start.Add(idleBefore), pdu.Start.Add(idleBefore+measured))
	net := gross - idleW*measured.Seconds()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := analysis.Analyze(results[i].samples, nil, phases, results[i].opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Models) != 1 {
				t.Fatalf("%d models, want 1 (warnings %q)", len(res.Models), res.Warnings)
			}
			m := res.Models[0]
			t.Logf("%d samples; %s", len(results[i].samples), m.Channels[0].MethodReason)
			holds(t, "gross", m.EnergyJ, m.EnergyUncertaintyJ, gross, m.Warnings)
			holds(t, "net", m.NetEnergyJ, m.NetEnergyUncertaintyJ, net, m.Warnings)
			if c.preset == "" {
				if ch := m.Channels[0]; m.EnergyMethod != analysis.MethodCounter || ch.Wraps != 1 || ch.Resets != 0 {
					t.Errorf("method %q, %d wraps, %d resets: want the counter, wrapped once", m.EnergyMethod, ch.Wraps, ch.Resets)
				}
				return
			}
			if m.EnergyMethod != analysis.MethodIntegration {
				t.Errorf("method %q: over %v at %.0f W a %s counter is too coarse, power should be integrated", m.EnergyMethod, measured, loadW, c.preset)
			}
			if a, p := m.AvgWatts, m.PeakWatts; a == nil || p == nil || *a > *p {
				t.Errorf("average %v W, peak %v W: want an average at most the peak", deref(a), deref(p))
			}
		})
	}
}

// holds checks a figure: within 2 % of the truth, or off by no more than
// its stated uncertainty with a warning that says it is uncertain.
func holds(t *testing.T, what string, got, uncertainty *float64, truth float64, warnings []string) {
	t.Helper()
	if got == nil || uncertainty == nil {
		t.Fatalf("%s = %v ± %v: want a figure with its uncertainty (warnings %q)", what, got, uncertainty, warnings)
	}
	off := *got - truth
	t.Logf("%s %.6g J ± %.4g J (%.2f %%), truth %.6g J, error %+.2f %%", what, *got, *uncertainty, 100**uncertainty / *got, truth, 100*off/truth)
	if math.Abs(off) > *uncertainty {
		t.Errorf("%s: error %.4g J outside the stated ±%.4g J", what, off, *uncertainty)
	}
	if math.Abs(off) > 0.02*truth && !warned(warnings, what) {
		t.Errorf("%s is %.2f %% off and no warning says it is uncertain: %q", what, 100*off/truth, warnings)
	}
}

func warned(warnings []string, what string) bool {
	for _, w := range warnings {
		if strings.Contains(w, "uncertain by") && (what != "net" || strings.Contains(w, "net")) {
			return true
		}
	}
	return false
}

// declared is what the meter declares about its channels, as a run
// records it in run.json and report hands it to the analysis.
func declared(m meter.Meter) analysis.Options {
	opts := analysis.Options{CounterResolutionJ: map[string]float64{}, PowerResolutionW: map[string]float64{}}
	if r, ok := m.(meter.CounterRanger); ok {
		opts.MaxRange = r.MaxRanges()
	}
	if r, ok := m.(meter.Resolver); ok {
		for k, v := range r.Resolutions() {
			opts.CounterResolutionJ[k], opts.PowerResolutionW[k] = v.EnergyJ, v.PowerW
		}
	}
	return opts
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
