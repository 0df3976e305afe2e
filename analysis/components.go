package analysis

import (
	"fmt"
	"math"
	"strings"
)

// componentOrder lists the components in report order; wall last, as the
// total the others are checked against.
var componentOrder = []string{ComponentGPU, ComponentCPU, ComponentDRAM, ComponentOther, ComponentWall}

// measuredChannel is a channel's result together with its samples, which
// the peak of a sum needs.
type measuredChannel struct {
	series *Series
	result ChannelResult
}

// channelSum adds up channels: energies and powers add, never average.
type channelSum struct {
	keys           []string
	method         string
	joules         *float64
	net            *float64 // nil unless every summed channel has a net figure
	baseline       *float64 // nil unless every summed channel has a baseline
	avgWatts       *float64 // nil unless every summed channel has one
	peakWatts      *float64 // peak of the summed power over the window
	uncertainty    *float64 // nil unless every summed channel has one
	netUncertainty *float64 // nil unless every summed channel has one
}

// sumChannels adds the channels that have data in the window; channels
// without data are left out and reported in missing.
func sumChannels(chs []measuredChannel, from, to float64) (sum channelSum, missing []string) {
	var with []*Series
	var nets, baselines, avgs, uncertainties, netUncertainties []*float64
	var joules []*float64
	for _, c := range chs {
		r := c.result
		if r.EnergyJ == nil {
			missing = append(missing, r.Key)
			continue
		}
		sum.keys = append(sum.keys, r.Key)
		sum.method = combineMethods(sum.method, r.Method)
		with = append(with, c.series)
		joules = append(joules, r.EnergyJ)
		nets = append(nets, r.NetEnergyJ)
		baselines = append(baselines, r.BaselineWatts)
		avgs = append(avgs, r.AvgWatts)
		uncertainties = append(uncertainties, r.UncertaintyJ)
		netUncertainties = append(netUncertainties, r.NetUncertaintyJ)
	}
	if len(with) == 0 {
		return sum, missing
	}
	sum.joules = sumAll(joules)
	sum.net = sumAll(nets)
	sum.baseline = sumAll(baselines)
	sum.avgWatts = sumAll(avgs)
	// Bounds add linearly: the channels' errors may share a cause (one
	// load transition at every edge).
	sum.uncertainty = sumAll(uncertainties)
	sum.netUncertainty = sumAll(netUncertainties)
	sum.peakWatts = peakOfSum(with, from, to)
	return sum, missing
}

// combineMethods names the method of a sum.
func combineMethods(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	case strings.Contains(a, MethodEstimate) || strings.Contains(b, MethodEstimate):
		return MethodMixedEstimate
	}
	return MethodMixed
}

// sumAll adds the values, or returns nil when there are none or any is nil.
func sumAll(vs []*float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	total := 0.0
	for _, v := range vs {
		if v == nil {
			return nil
		}
		total += *v
	}
	return &total
}

// difference is a − b, or nil when either is nil.
func difference(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := *a - *b
	return &d
}

// peakOfSum is the highest total power of the channels over [from, to]:
// the channels' powers, each interpolated as its own Energy does, are
// added at every sample time of any of them. The peak of a sum is not the
// sum of the peaks: GPUs rarely peak at the same instant.
func peakOfSum(series []*Series, from, to float64) *float64 {
	peak := math.Inf(-1)
	at := func(x float64) {
		total := 0.0
		for _, s := range series {
			total += s.powerAt(x)
		}
		peak = math.Max(peak, total)
	}
	at(from)
	at(to)
	for _, s := range series {
		t := s.powerT
		if !s.HasPower() {
			t = s.stepT
		}
		for _, x := range t {
			if x > from && x < to {
				at(x)
			}
		}
	}
	return &peak
}

// powerAt is the channel's power at x: from its power samples when it has
// them, else from the changes of its counter.
func (s *Series) powerAt(x float64) float64 {
	switch {
	case s.HasPower():
		return powerAt(s.powerT, s.powerW, x)
	case len(s.stepT) > 0:
		return stepPowerAt(s.stepT, s.stepW, x)
	}
	return 0 // a counter that never moved
}

// componentResults groups the channels by component and sums each group.
func componentResults(chs []measuredChannel, from, to float64, n RequestCounts) (map[string]ComponentResult, map[string]channelSum, []string) {
	out := map[string]ComponentResult{}
	sums := map[string]channelSum{}
	var warnings []string
	for _, comp := range componentOrder {
		var group []measuredChannel
		var keys []string
		for _, c := range chs {
			if c.series.Component == comp {
				group = append(group, c)
				keys = append(keys, c.result.Key)
			}
		}
		if len(group) == 0 {
			continue
		}
		sum, missing := sumChannels(group, from, to)
		if len(missing) > 0 && len(sum.keys) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: %d of %d channels have no data (%v): the %s sum covers the others only", comp, len(missing), len(group), missing, comp))
		}
		gross, net := perWork(sum.joules, n), perWork(sum.net, n)
		sums[comp] = sum
		out[comp] = ComponentResult{
			Meter:                   group[0].series.Meter,
			Channels:                keys,
			Method:                  sum.method,
			EnergyJ:                 sum.joules,
			NetEnergyJ:              sum.net,
			UncertaintyJ:            sum.uncertainty,
			NetUncertaintyJ:         sum.netUncertainty,
			BaselineWatts:           sum.baseline,
			AvgWatts:                sum.avgWatts,
			PeakWatts:               sum.peakWatts,
			JoulesPerOutputToken:    gross.perOutputToken,
			NetJoulesPerOutputToken: net.perOutputToken,
			WhPer1000Queries:        gross.whPer1000Queries,
			NetWhPer1000Queries:     net.whPer1000Queries,
		}
	}
	return out, sums, warnings
}
