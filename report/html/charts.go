package html

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// chartsData is what the page's script draws, embedded in the page as
// JSON.
type chartsData struct {
	Phases []band `json:"phases"` // shaded on every chart over run time
	// RunEnd is where every run-time chart's x axis ends, so that their
	// axes line up.
	RunEnd float64  `json:"run_end"`
	Charts []*chart `json:"charts"`
}

// withData names the charts that have a series to draw.
func (d chartsData) withData() map[string]bool {
	out := map[string]bool{}
	for _, c := range d.Charts {
		out[c.ID] = len(c.Series) > 0
	}
	return out
}

// band is one phase of one model, in seconds since run start.
type band struct {
	Model string  `json:"model"`
	Phase string  `json:"phase"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// chart is one uPlot chart; one without series says so instead. Series on scale "y2" get a right-hand axis.
type chart struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	XLabel  string `json:"x_label"`
	YLabel  string `json:"y_label"`
	Y2Label string `json:"y2_label,omitempty"`
	RunTime bool   `json:"run_time"` // x is run time: phase bands apply
	// Y2Count: the right-hand axis counts things; its ticks are whole.
	Y2Count bool      `json:"y2_count,omitempty"`
	Series  []*series `json:"series"`
}

// series is one drawn line. Step: 0 joins points with straight lines, 1
// holds each value until the next point, -1 holds it from the previous.
type series struct {
	Label string `json:"label"`
	Scale string `json:"scale"`
	Step  int    `json:"step"`
	T     nums   `json:"t"`
	V     nums   `json:"v"`
	// Points is how many points the series had before it was reduced for
	// display.
	Points int `json:"points"`
}

// MarshalJSON writes the chart data as the page embeds it: a number that
// is not finite becomes null, which the page draws as a gap, instead of
// failing the report. Series values do that themselves (nums); every
// other number goes through rundir.EncodeJSON, which does the same for
// run.json. (Encoding all of d that way would not do: where it must
// replace a NaN it substitutes a stand-in number that nums, writing 9
// digits, would not give back as the text EncodeJSON turns into null.)
func (d chartsData) MarshalJSON() ([]byte, error) {
	phases, err := rundir.EncodeJSON(d.Phases)
	if err != nil {
		return nil, err
	}
	end, err := rundir.EncodeJSON(d.RunEnd)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Phases json.RawMessage `json:"phases"`
		RunEnd json.RawMessage `json:"run_end"`
		Charts []*chart        `json:"charts"`
	}{phases, end, d.Charts})
}

// nums marshals compactly, NaN and ±Inf as null (a gap).
type nums []float64

func (ns nums) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 8*len(ns)+2)
	b = append(b, '[')
	for i, v := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', 9, 64)
		}
	}
	return append(b, ']'), nil
}

func newSeries(label, scale string, step int, l, shown line) *series {
	return &series{Label: label, Scale: scale, Step: step, T: nums(shown.T), V: nums(shown.V), Points: len(l.T)}
}

// buildCharts derives every chart from the raw data. The requests are
// gone through twice, never held (a day-long run has millions): the first
// pass finds where they end, the models, the latency distributions and
// how far from time order they are; the second bins the throughput and
// sweeps the requests in flight. What is held grows with the display
// buckets, the models and the requests in flight, not with the run.
func buildCharts(s *report.Summary, raw *rundir.Raw) (chartsData, error) {
	var reqs trace.Requests = trace.Slice(nil)
	if raw.Requests != nil {
		reqs = raw.Requests
	}
	var (
		n, ok   int
		lastEnd = math.Inf(-1)
		bounds  trace.OrderBounds
		models  = modelNames(s)
		dists   = map[string]*latencyDists{}
	)
	err := reqs.Each(func(r trace.Request) error {
		n++
		if r.OK() {
			ok++
		}
		if !math.IsNaN(r.End) {
			lastEnd = max(lastEnd, r.End)
		}
		bounds.Add(r.Start, r.End)
		d := dists[r.Model]
		if d == nil {
			d = &latencyDists{}
			dists[r.Model] = d
			if !slices.Contains(models, r.Model) {
				models = append(models, r.Model)
			}
		}
		d.add(r)
		return nil
	})
	if err != nil {
		return chartsData{}, err
	}
	chans, lastSample, err := channelsOf(raw.Samples)
	if err != nil {
		return chartsData{}, err
	}
	end := runEnd(lastSample, lastEnd, raw.Phases)

	bins := newThroughputBins(raw.Phases, end)
	flight := newMinMax(0, end, displayBuckets)
	sweep := newInFlight(bounds, flight)
	err = reqs.Each(func(r trace.Request) error {
		bins.add(r)
		sweep.add(r)
		return nil
	})
	if err != nil {
		return chartsData{}, err
	}
	sweep.finish()

	d := chartsData{Phases: []band{}, RunEnd: end}
	for _, p := range raw.Phases {
		d.Phases = append(d.Phases, band{Model: p.Model, Phase: p.Name, Start: p.Start, End: p.End})
	}
	power, err := powerChart(raw, chans, end)
	if err != nil {
		return chartsData{}, err
	}
	if n > 0 {
		f := flight.line()
		power.Series = append(power.Series, &series{Label: "requests in flight", Scale: "y2", Step: 1, T: nums(f.T), V: nums(f.V), Points: flight.points})
	}
	d.Charts = append(d.Charts, power)
	d.Charts = append(d.Charts, latencyCharts(dists, models)...)
	c := &chart{
		ID: "throughput", RunTime: true, XLabel: "s since run start",
		Title:  fmt.Sprintf("Throughput over time: successful requests by the time they ended, bins of about %g s split at phase edges", bins.width),
		YLabel: "requests/s", Y2Label: "output tokens/s",
	}
	if ok > 0 {
		rps, tps := bins.lines()
		c.Series = []*series{newSeries("completed requests/s", "y", 1, rps, rps), newSeries("output tokens/s", "y2", 1, tps, tps)}
	}
	d.Charts = append(d.Charts, c)
	for _, c := range d.Charts {
		if c.Series == nil {
			c.Series = []*series{} // [] in the page, not null
		}
	}
	return d, nil
}

// powerChart draws every channel's power; buildCharts adds the requests
// in flight.
func powerChart(raw *rundir.Raw, chans []channel, end float64) (*chart, error) {
	c := &chart{
		ID: "power", RunTime: true, Title: "Power of every meter channel, and requests in flight",
		XLabel: "s since run start", YLabel: "W", Y2Label: "requests in flight", Y2Count: true,
	}
	maxRange := map[string]float64{}
	for _, m := range raw.Meta.Meters {
		for k, v := range m.MaxRangeJ {
			maxRange[k] = v
		}
	}
	for _, ch := range chans {
		// One channel's samples at a time, a pass each: a day of four
		// channels at 10 Hz is 3.5 million samples, 250 MB all at once.
		samples, err := ch.samplesOf(raw.Samples)
		if err != nil {
			return nil, err
		}
		l, fromCounter := channelPower(samples, maxRange[ch.key])
		label, step := ch.key+" ("+ch.component+")", 0
		if fromCounter {
			label, step = label+" from energy counter", -1
		}
		c.Series = append(c.Series, newSeries(label, "y", step, l, downsampleMinMax(l, 0, end, displayBuckets)))
	}
	return c, nil
}

// A channel of the run's samples.
type channel struct {
	key, meter, name, component string
	samples                     int
}

// channelsOf lists the channels of samples, sorted by key as the analysis
// sorts them, and gives the time of the last sample.
func channelsOf(samples trace.Samples) ([]channel, float64, error) {
	type id struct{ meter, name string } // a struct key spares a string per sample
	idx := map[id]int{}
	var out []channel
	last := math.Inf(-1)
	if samples == nil {
		return nil, last, nil
	}
	err := samples.Each(func(s trace.Sample) error {
		if s.T > last && !math.IsInf(s.T, 1) { // false for NaN
			last = s.T
		}
		i, ok := idx[id{s.Meter, s.Channel}]
		if !ok {
			i = len(out)
			idx[id{s.Meter, s.Channel}] = i
			out = append(out, channel{key: s.Meter + "/" + s.Channel, meter: s.Meter, name: s.Channel, component: s.Component})
		}
		out[i].samples++
		return nil
	})
	slices.SortFunc(out, func(a, b channel) int { return strings.Compare(a.key, b.key) })
	return out, last, err
}

// samplesOf is the channel's samples in time order.
func (c channel) samplesOf(samples trace.Samples) ([]trace.Sample, error) {
	out := make([]trace.Sample, 0, c.samples)
	err := samples.Each(func(s trace.Sample) error {
		if s.Meter == c.meter && s.Channel == c.name && len(out) < cap(out) {
			out = append(out, s)
		}
		return nil
	})
	// A stable sort keeps the recorded order of samples that share a time.
	slices.SortStableFunc(out, func(a, b trace.Sample) int { return cmp.Compare(a.T, b.T) })
	return out, err
}

// modelNames lists the models in the summary's order; buildCharts adds
// any model only the requests name, in the order they first appear.
func modelNames(s *report.Summary) []string {
	var out []string
	for _, m := range s.Models {
		out = append(out, m.Model)
	}
	return out
}
