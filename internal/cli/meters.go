package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/meter"
)

// autoKinds are the meter kinds `aienergy meters` tries on every machine:
// those that need no address or credentials.
var autoKinds = []string{"nvml", "nvidia-smi", "rapl", "amdgpu"}

func newMetersCmd() *cobra.Command {
	var watch bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "meters [CONFIG] [KEY=VALUE]...",
		Short: "List the power meters this machine has, with a sample reading, and why others are missing",
		Long: `Probe every meter kind that needs no address (NVIDIA GPUs through NVML or
nvidia-smi, CPU RAPL, AMD GPUs through hwmon) and every meter configured in
CONFIG, and print each one's channels with a sample reading — or, for a meter
that cannot work here, why and how to enable it.

--watch keeps reading and shows live watts (from power readings, or from the
energy counter's change between reads).`,
		Example: `  aienergy meters
  aienergy meters my.yaml --watch`,
		RunE: func(cmd *cobra.Command, args []string) error {
			specs, err := meterSpecs(args)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			ctx := cmd.Context()
			probes := probeMeters(ctx, specs)
			printProbes(out, probes)
			defer func() {
				for _, p := range probes {
					if p.meter != nil {
						p.meter.Close()
					}
				}
			}()
			if !watch {
				return nil
			}
			return watchMeters(ctx, out, probes, interval)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "keep reading and show live watts until Ctrl-C")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "how often --watch reads")
	return cmd
}

// meterSpecs lists the auto-detected kinds plus the config's meters (when
// a config is given); a configured meter replaces an auto one of its kind.
func meterSpecs(args []string) ([]meter.Spec, error) {
	var configured []meter.Spec
	if len(args) > 0 {
		cfg, err := loadConfig(args)
		if err != nil {
			return nil, err
		}
		for _, m := range cfg.Meters {
			if url, _ := m.Options["url"].(string); url == config.SimMeterURL || !m.Enabled {
				continue
			}
			configured = append(configured, specFromConfig(cfg, m))
		}
	}
	var specs []meter.Spec
	kinds := meter.Kinds()
	for _, k := range autoKinds {
		if !slices.Contains(kinds, k) || slices.ContainsFunc(configured, func(s meter.Spec) bool { return s.Type == k }) {
			continue
		}
		specs = append(specs, meter.Spec{Name: k, Type: k, Options: map[string]any{}})
	}
	return append(specs, configured...), nil
}

func specFromConfig(cfg *config.Config, m config.Meter) meter.Spec {
	src := cfg.Source
	if m.Node != nil {
		src = fmt.Sprintf("%s:%d", cfg.Source, m.Node.Line)
	}
	return meter.Spec{Name: m.Name, Type: m.Type, Options: m.Options, Source: src}
}

type probe struct {
	spec     meter.Spec
	meter    meter.Meter
	readings []meter.Reading
	err      error
}

func probeMeters(ctx context.Context, specs []meter.Spec) []*probe {
	probes := make([]*probe, len(specs))
	for i, s := range specs {
		p := &probe{spec: s}
		probes[i] = p
		m, err := meter.New(ctx, s)
		if err != nil {
			p.err = err
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		p.readings, p.err = m.Read(rctx)
		cancel()
		if p.err != nil {
			m.Close()
			continue
		}
		p.meter = m
	}
	return probes
}

func printProbes(w io.Writer, probes []*probe) {
	found := 0
	for _, p := range probes {
		switch {
		case p.err == nil:
			found++
			fmt.Fprintf(w, "ok       %s (%s): %d channel(s)\n", p.spec.Name, p.spec.Type, len(p.readings))
			for _, r := range p.readings {
				fmt.Fprintf(w, "           %-18s %-6s %s\n", r.Channel, r.Component, readingText(r))
			}
			for _, note := range meterNotes(p.meter) {
				fmt.Fprintf(w, "           note: %s\n", note)
			}
		case errors.Is(p.err, meter.ErrUnavailable):
			fmt.Fprintf(w, "missing  %s (%s): %v\n", p.spec.Name, p.spec.Type, p.err)
		default:
			fmt.Fprintf(w, "error    %s (%s): %v\n", p.spec.Name, p.spec.Type, p.err)
		}
	}
	if found == 0 {
		fmt.Fprintln(w, "\nno meter works here: runs will report latency and tokens but no energy figures.\n"+
			"Point aienergy at a meter in your config (meters: type exporter, prometheus, snmp, redfish, …),\n"+
			"or use the estimate meters (cpu-estimate, ram-estimate), which are labelled as estimates.")
	}
}

func readingText(r meter.Reading) string {
	var parts []string
	if !math.IsNaN(r.Watts) {
		parts = append(parts, fmt.Sprintf("%.1f W", r.Watts))
	}
	if !math.IsNaN(r.Joules) {
		parts = append(parts, fmt.Sprintf("counter %.3f J", r.Joules))
	}
	if len(parts) == 0 {
		return "no value"
	}
	return strings.Join(parts, ", ")
}

// watchMeters prints one line per interval with every channel's watts,
// taking watts from the energy counter's change when a channel has no
// power reading.
func watchMeters(ctx context.Context, w io.Writer, probes []*probe, interval time.Duration) error {
	type last struct {
		t time.Time
		j float64
	}
	prev := map[string]last{}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		var line []string
		for _, p := range probes {
			if p.meter == nil {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, interval)
			rs, err := p.meter.Read(rctx)
			cancel()
			now := time.Now()
			if err != nil {
				line = append(line, fmt.Sprintf("%s: %v", p.spec.Name, err))
				continue
			}
			for _, r := range rs {
				key := p.spec.Name + "/" + r.Channel
				watts := r.Watts
				if l, ok := prev[key]; ok && math.IsNaN(watts) && !math.IsNaN(r.Joules) && r.Joules >= l.j {
					watts = (r.Joules - l.j) / now.Sub(l.t).Seconds()
				}
				if !math.IsNaN(r.Joules) {
					prev[key] = last{now, r.Joules}
				}
				if math.IsNaN(watts) {
					line = append(line, key+" …")
				} else {
					line = append(line, fmt.Sprintf("%s %.1f W", key, watts))
				}
			}
		}
		fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05"), strings.Join(line, "  "))
	}
}

// meterNotes gathers what a meter says about itself beyond its readings:
// how an estimate is made, what a GPU could not provide, which zones were
// skipped, where a BMC's figures come from.
func meterNotes(m meter.Meter) []string {
	var notes []string
	if d, ok := m.(interface{ Describe() string }); ok {
		notes = append(notes, d.Describe())
	}
	for _, f := range []func() []string{
		func() []string {
			if n, ok := m.(interface{ Notes() []string }); ok {
				return n.Notes()
			}
			return nil
		},
		func() []string {
			if n, ok := m.(interface{ Skipped() []string }); ok {
				return n.Skipped()
			}
			return nil
		},
	} {
		notes = append(notes, f()...)
	}
	if n, ok := m.(interface{ Sources() map[string]string }); ok {
		src := n.Sources()
		keys := make([]string, 0, len(src))
		for k := range src {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			notes = append(notes, k+": "+src[k])
		}
	}
	return notes
}
