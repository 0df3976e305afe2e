package analysis

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	"github.com/aienergy/aienergy/quantile"
	"github.com/aienergy/aienergy/trace"
)

// attrFixture is a small run to attribute: two GPUs read at irregular
// times over 0–60 s, one by power, one by counter, and 200 requests of
// model "m" in flight over them, some across the edges of the windows
// below, some with their chunk times cut short, some failed; with records
// of another model and an impossible one among them.
func attrFixture(t *testing.T) (power, counter *Series, reqs []trace.Request) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 3))
	var ts, ws, cs []float64
	c := 0.0
	for x := 0.0; x < 60; x += 0.05 + 0.2*rng.Float64() {
		w := 100 + 300*rng.Float64()
		if n := len(ts); n > 0 {
			c += (w + ws[n-1]) / 2 * (x - ts[n-1])
		}
		ts, ws, cs = append(ts, x), append(ws, w), append(cs, c)
	}
	power = oneSeries(t, powerSamples("nvml", "gpu0", ComponentGPU, ts, ws), nil)
	counter = oneSeries(t, counterSamples("dcgm", "gpu1", ComponentGPU, ts, cs), nil)
	for id := range 200 {
		start := 70 * rng.Float64()
		ttft := 0.02 + 0.3*rng.Float64()
		chunks := []float64{ttft}
		for range rng.IntN(40) {
			chunks = append(chunks, chunks[len(chunks)-1]+0.005+0.05*rng.Float64())
		}
		r := streamed(id, start, 1+rng.IntN(500), len(chunks)+rng.IntN(3), chunks...)
		switch {
		case id%7 == 0:
			r.Chunks = r.Chunks[:len(r.Chunks)/2] // only the first ones recorded
			r.End += 0.1
		case id%11 == 0:
			r.ErrorClass = "timeout"
		case id%13 == 0:
			r.FirstToken, r.Chunks, r.ChunkCount, r.Streamed = nan, nil, 0, false
		}
		reqs = append(reqs, r)
	}
	other := streamed(1000, 10, 20, 3, 0.1, 0.2, 0.3)
	other.Model = "other"
	bad := streamed(1001, 10, 20, 3, 0.1, 0.2, 0.3)
	bad.End = 5 // before its start
	return power, counter, append(reqs, other, bad)
}

// checkSameSummary compares a streamed summary with the in-memory one:
// equal, but for the means, summed in another order.
func checkSameSummary(t *testing.T, got, want AttributionSummary) {
	t.Helper()
	for _, d := range []struct {
		name      string
		got, want *Distribution
	}{{"J/request", &got.JoulesPerRequest, &want.JoulesPerRequest}, {"net J/request", &got.NetJoulesPerRequest, &want.NetJoulesPerRequest}} {
		if d.got.Count > 0 && d.got.QuantileRelError != 0 {
			t.Errorf("%s: percentiles not exact (relative error %g) for %d values", d.name, d.got.QuantileRelError, d.got.Count)
		}
		if math.Abs(d.got.Mean-d.want.Mean) > 1e-12*math.Abs(d.want.Mean) {
			t.Errorf("%s: mean %.17g, want %.17g", d.name, d.got.Mean, d.want.Mean)
		}
		d.got.Mean = d.want.Mean
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("streamed summary\n%+v\nwant (in memory)\n%+v", got, want)
	}
}

// Streamed, the attribution gives the rows, totals and summary the
// in-memory one gave: the same arithmetic, in the same order.
func TestAttributeStreamedEqualsInMemory(t *testing.T) {
	power, counter, all := attrFixture(t)
	var reqs []trace.Request
	for _, r := range all {
		if r.Model == "m" && checkRequest(r) == nil {
			reqs = append(reqs, r)
		}
	}
	for _, tc := range []struct {
		name     string
		chans    []AttributionChannel
		from, to float64
	}{
		{"two channels, net", []AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter, BaselineWatts: ptr(80)}}, 5, 55},
		{"gross only", []AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter}}, 0, 60},
		{"short window", []AttributionChannel{{Series: counter, BaselineWatts: ptr(80)}}, 20.3, 20.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := refAttribute(tc.chans, reqs, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			at, err := NewAttributor(tc.chans, trace.Slice(reqs), tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if at.Rows() != len(want.Rows) {
				t.Errorf("first pass expects %d rows, want %d", at.Rows(), len(want.Rows))
			}
			// Twice: a second pass gives the same again.
			for range 2 {
				var rows []RequestEnergy
				a, err := at.Attribute(func(r RequestEnergy) error { rows = append(rows, r); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rows, want.Rows) {
					t.Fatalf("streamed rows differ from the in-memory ones")
				}
				got := refAttribution{Channels: a.Channels, Rows: rows, HasNet: a.HasNet, EnergyJ: a.EnergyJ, AttributedJ: a.AttributedJ,
					NetAttributedJ: a.NetAttributedJ, IdleJ: a.IdleJ, UnattributedJ: a.UnattributedJ}
				if !reflect.DeepEqual(&got, want) {
					t.Errorf("streamed totals %+v, want %+v", got, *want)
				}
				checkSameSummary(t, a.Summary(), refSummary(want))
			}
		})
	}

	// Through AttributeModel, from the run's records: the same again.
	m := ModelResult{Model: "m", Window: Window{StartS: 5, EndS: 55}, EnergyBasis: []string{power.Key(), counter.Key()},
		Channels: []ChannelResult{{Key: power.Key(), BaselineWatts: ptr(120)}, {Key: counter.Key(), BaselineWatts: ptr(80)}}}
	want, err := refAttribute([]AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter, BaselineWatts: ptr(80)}}, reqs, 5, 55)
	if err != nil {
		t.Fatal(err)
	}
	var rows []RequestEnergy
	a, err := AttributeModel([]*Series{counter, power}, m, trace.Slice(all), func(r RequestEnergy) error { rows = append(rows, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, want.Rows) {
		t.Errorf("AttributeModel's rows differ from the in-memory ones")
	}
	checkSameSummary(t, a.Summary(), refSummary(want))
}

// Several models share the passes: each gets what it would alone, with
// its rows in the order of the records, and a model that fails or has no
// energy leaves the others be.
func TestRunAttributorModels(t *testing.T) {
	power, counter, all := attrFixture(t)
	for i := range all {
		if all[i].Model == "m" && all[i].ID%2 == 1 {
			all[i].Model = "odd"
		}
	}
	chans := func(name string) []ChannelResult {
		return []ChannelResult{{Key: power.Key(), BaselineWatts: ptr(120)}, {Key: counter.Key(), BaselineWatts: ptr(80)}}
	}
	basis := []string{power.Key(), counter.Key()}
	models := []ModelResult{
		{Model: "m", Window: Window{StartS: 0, EndS: 30}, EnergyBasis: basis, Channels: chans("m")},
		{Model: "none"}, // no energy figure
		{Model: "odd", Window: Window{StartS: 30, EndS: 60}, EnergyBasis: basis, Channels: chans("odd")},
		{Model: "lost", Window: Window{StartS: 0, EndS: 60}, EnergyBasis: []string{"pdu/missing"}},
	}
	counting := &countedRequests{Requests: trace.Slice(all)}
	ra, err := NewRunAttributor([]*Series{power, counter}, models, counting)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]RequestEnergy, len(models))
	out, err := ra.Attribute(func(i int, r RequestEnergy) error { rows[i] = append(rows[i], r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if counting.passes != 2 {
		t.Errorf("%d passes over the records for %d models, want 2", counting.passes, len(models))
	}
	if at, err := ra.Model(1); at != nil || err != nil || out[1] != nil {
		t.Errorf("a model without energy: %v, %v, %v; want nothing", at, err, out[1])
	}
	if at, err := ra.Model(3); at != nil || err == nil || out[3] != nil {
		t.Errorf("a model whose channel has no samples: %v, %v, %v; want an error", at, err, out[3])
	}
	for _, i := range []int{0, 2} {
		m := models[i]
		var reqs []trace.Request
		for _, r := range all {
			if r.Model == m.Model && checkRequest(r) == nil {
				reqs = append(reqs, r)
			}
		}
		want, err := refAttribute([]AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter, BaselineWatts: ptr(80)}}, reqs, m.Window.StartS, m.Window.EndS)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Rows) == 0 || !reflect.DeepEqual(rows[i], want.Rows) {
			t.Errorf("%s: rows differ from the in-memory ones (%d, want %d)", m.Model, len(rows[i]), len(want.Rows))
		}
		at, _ := ra.Model(i)
		if at.Rows() != len(want.Rows) {
			t.Errorf("%s: first pass expects %d rows, want %d", m.Model, at.Rows(), len(want.Rows))
		}
		// Two models with energy share one model's exact values.
		if at.exact != quantile.DefaultExactLimit/2 {
			t.Errorf("%s: %d values kept exactly, want %d", m.Model, at.exact, quantile.DefaultExactLimit/2)
		}
		checkSameSummary(t, out[i].Summary(), refSummary(want))
		// The model's Attributor alone makes its own pass: the same rows.
		var alone []RequestEnergy
		if _, err := at.Attribute(func(r RequestEnergy) error { alone = append(alone, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(alone, want.Rows) {
			t.Errorf("%s: its Attributor alone gives other rows", m.Model)
		}
	}
}

type countedRequests struct {
	trace.Requests
	passes int
}

func (c *countedRequests) Each(fn func(trace.Request) error) error {
	c.passes++
	return c.Requests.Each(fn)
}

// Past the exact limit the distributions are sketches within their
// relative error, and the fit comes from sums: within rounding of the
// in-memory figures.
func TestAttributeSketchedSummary(t *testing.T) {
	power, counter, all := attrFixture(t)
	var reqs []trace.Request
	for _, r := range all {
		if r.Model == "m" && checkRequest(r) == nil {
			reqs = append(reqs, r)
		}
	}
	chans := []AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter, BaselineWatts: ptr(80)}}
	want, err := refAttribute(chans, reqs, 0, 60)
	if err != nil {
		t.Fatal(err)
	}
	at, err := newAttributor(chans, 0, 60, 20) // 20 values kept exactly: every figure sketched
	if err != nil {
		t.Fatal(err)
	}
	at.requests = trace.Slice(reqs)
	for _, r := range reqs {
		at.observe(r)
	}
	at.settle()
	a, err := at.Attribute(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, ref := a.Summary(), refSummary(want)
	for _, d := range []struct {
		name      string
		got, want Distribution
	}{{"J/request", got.JoulesPerRequest, ref.JoulesPerRequest}, {"net J/request", got.NetJoulesPerRequest, ref.NetJoulesPerRequest}} {
		if d.got.Count != d.want.Count || d.got.Count <= 20 || d.got.QuantileRelError == 0 {
			t.Fatalf("%s: %d values (relative error %g), want %d past the exact 20", d.name, d.got.Count, d.got.QuantileRelError, d.want.Count)
		}
		checkNear(t, d.name+" min", d.got.Min, d.want.Min)
		checkNear(t, d.name+" max", d.got.Max, d.want.Max)
		checkNear(t, d.name+" mean", d.got.Mean, d.want.Mean)
		for _, p := range [][2]float64{{d.got.P50, d.want.P50}, {d.got.P90, d.want.P90}, {d.got.P99, d.want.P99}} {
			if math.Abs(p[0]-p[1]) > 2*d.got.QuantileRelError*math.Abs(p[1]) {
				t.Errorf("%s: percentile %g, want %g within %g", d.name, p[0], p[1], d.got.QuantileRelError)
			}
		}
	}
	for _, c := range []struct {
		name      string
		got, want *float64
	}{
		{"intercept", got.Fit.InterceptJ, ref.Fit.InterceptJ},
		{"J/prompt token", got.Fit.JoulesPerPromptToken, ref.Fit.JoulesPerPromptToken},
		{"J/output token", got.Fit.JoulesPerOutputToken, ref.Fit.JoulesPerOutputToken},
		{"R²", got.Fit.R2, ref.Fit.R2},
		{"prefill share", got.PrefillShare, ref.PrefillShare},
	} {
		if c.want == nil {
			t.Fatalf("in memory, %s is absent", c.name)
		}
		checkPtr(t, c.name, c.got, c.want)
	}
}

// The fit from sums agrees with Gram–Schmidt's on many noisy points, and
// drops a column the others explain however it was rounded.
func TestFitTallyMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 20000
	var prompt, output, y, inStep []float64
	for range n {
		p, o := float64(10+rng.IntN(2000)), float64(1+rng.IntN(500))
		prompt, output = append(prompt, p), append(output, o)
		y = append(y, 3+0.002*p+0.31*o+rng.NormFloat64())
		inStep = append(inStep, 0.5*p+7) // output in step with prompt
	}
	for _, tc := range []struct {
		name   string
		output []float64
	}{{"independent", output}, {"output in step with prompt", inStep}} {
		t.Run(tc.name, func(t *testing.T) {
			want := fitEnergy(prompt, tc.output, y)
			tally := newFitTally(0)
			for i := range y {
				tally.add(prompt[i], tc.output[i], y[i])
			}
			got := tally.fit()
			if got.Requests != n {
				t.Errorf("fit over %d, want %d", got.Requests, n)
			}
			checkPtr(t, "intercept", got.InterceptJ, want.InterceptJ)
			checkPtr(t, "J/prompt token", got.JoulesPerPromptToken, want.JoulesPerPromptToken)
			checkPtr(t, "J/output token", got.JoulesPerOutputToken, want.JoulesPerOutputToken)
			checkPtr(t, "R²", got.R2, want.R2)
		})
	}
}

// attrGen makes n records of model "m" on the fly, none stored, the same
// at every pass, their chunk times in one reused buffer as a file
// reader's are: request i starts at i × attrSpacing and streams 1–12
// chunks after a first token of 20–300 ms; every 50th fails. probe, when
// set, is called before every 2^16-th record.
type attrGen struct {
	n     int
	probe func()
}

const attrSpacing = 0.01

func (g attrGen) Len() int { return g.n }

func (g attrGen) Each(fn func(trace.Request) error) error {
	buf := make([]float64, 0, 16)
	for i := range g.n {
		if g.probe != nil && i%(1<<16) == 0 {
			g.probe()
		}
		h := uint64(i)*0x9e3779b97f4a7c15 + 1
		start := float64(i) * attrSpacing
		buf = buf[:0]
		at := 0.02 + 0.28*float64(h%1000)/1000
		for k := range 1 + int(h>>20)%12 {
			buf = append(buf, at)
			at += 0.01 + 0.03*float64((h>>(10+k))%8)/8
		}
		r := trace.Request{
			ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: start + buf[0],
			End: start + buf[len(buf)-1], Chunks: buf, ChunkCount: len(buf), Streamed: true,
			InputTokens: 10 + int(h>>30)%900, OutputTokens: len(buf),
		}
		if i%50 == 0 {
			r.ErrorClass = "timeout"
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// A million requests, generated as they are read, are attributed in
// memory that the readings and the tallies bound: the live heap, sampled
// as the records go by, stays far below what a row per request would take
// (over 100 MiB), and every joule is still accounted for.
func TestAttributeMillionRequestsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("attributes a million requests")
	}
	const n = 1_000_000
	end := n*attrSpacing + 1
	// A GPU read at 10 Hz, its power varying, over the whole run.
	var ts, ws []float64
	for k := 0; float64(k)/10 <= end; k++ {
		x := float64(k) / 10
		ts, ws = append(ts, x), append(ws, 200+80*math.Sin(x/7)+40*math.Sin(x*1.3))
	}
	s := oneSeries(t, powerSamples("nvml", "gpu0", ComponentGPU, ts, ws), nil)
	ts, ws = nil, nil
	var base, peak runtime.MemStats
	probe := func() {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > peak.HeapAlloc {
			peak = m
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&base)
	from, to := 100.0, float64(n)*attrSpacing-100 // some requests cut by the edges
	var sum, netSum float64
	rows := 0
	a, err := Attribute([]AttributionChannel{{Series: s, BaselineWatts: ptr(150)}}, attrGen{n: n, probe: probe}, from, to, func(r RequestEnergy) error {
		rows++
		sum += r.Joules
		netSum += r.NetJoules
		if d := r.PrefillJoules + r.DecodeJoules - r.Joules; math.Abs(d) > 1e-9*math.Abs(r.Joules) {
			t.Fatalf("request %d: prefill + decode differs from its energy by %g J", r.ID, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(peak.HeapAlloc) - int64(base.HeapAlloc)
	t.Logf("%d rows; live heap grew by at most %.1f MiB", rows, float64(grew)/(1<<20))
	const bound = 40 << 20
	if grew > bound {
		t.Errorf("live heap grew by %d bytes attributing %d requests, want at most %d", grew, n, bound)
	}
	if rows < n*9/10 || rows != a.Requests {
		t.Fatalf("%d rows, %d counted, want most of the %d requests", rows, a.Requests, n)
	}
	e, err := s.Energy(from, to)
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "channel energy", a.EnergyJ, e.Joules)
	checkNear(t, "Σ rows", sum, a.AttributedJ)
	checkNear(t, "Σ net rows", netSum, a.NetAttributedJ)
	checkNear(t, "requests + unattributed", a.AttributedJ+a.UnattributedJ, a.EnergyJ)
	checkNear(t, "net requests + idle + unattributed", a.NetAttributedJ+a.IdleJ+a.UnattributedJ, a.EnergyJ)
	sm := a.Summary()
	if sm.JoulesPerRequest.QuantileRelError == 0 || sm.Fit.InterceptJ == nil || sm.Fit.JoulesPerPromptToken == nil || sm.Fit.JoulesPerOutputToken == nil {
		t.Errorf("summary of a million requests: %+v; want sketched percentiles and a fit with both slopes", sm)
	}
}
