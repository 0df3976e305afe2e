package analysis

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// counterChannel is a GPU counter read every second from 0, drawing
// joules[k] in second k.
func counterChannel(t *testing.T, joules ...float64) *Series {
	t.Helper()
	ts, cs := []float64{0}, []float64{0}
	for k, j := range joules {
		ts = append(ts, float64(k+1))
		cs = append(cs, cs[k]+j)
	}
	return oneSeries(t, counterSamples("dcgm", "gpu0", ComponentGPU, ts, cs), nil)
}

// streamed is a successful streamed request: chunks are seconds after
// start; the first is the first token.
func streamed(id int, start float64, in, out int, chunks ...float64) trace.Request {
	return trace.Request{
		ID: id, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: start + chunks[0],
		End: start + chunks[len(chunks)-1], Chunks: chunks, ChunkCount: len(chunks), Streamed: true,
		InputTokens: in, OutputTokens: out,
	}
}

// attributeRows attributes in two passes and collects the rows the
// second gives, in order.
func attributeRows(t *testing.T, chans []AttributionChannel, reqs []trace.Request, from, to float64) (*Attribution, []RequestEnergy) {
	t.Helper()
	var rows []RequestEnergy
	a, err := Attribute(chans, trace.Slice(reqs), from, to, func(r RequestEnergy) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Requests != len(rows) {
		t.Fatalf("attribution counts %d requests, gave %d rows", a.Requests, len(rows))
	}
	return a, rows
}

type wantRequest struct {
	id                          int
	gross, net, prefill, decode float64
	netPrefill, netDecode       float64
	partial                     bool
}

// Attribution worked out by hand: each interval's energy goes to the
// requests that worked in it, in proportion to their work there.
func TestAttributeByHand(t *testing.T) {
	tests := []struct {
		name     string
		joules   []float64 // per second from 0
		baseline *float64
		requests []trace.Request
		to       float64
		want     []wantRequest
		weight   float64
		source   string
		unattr   float64
		idle     float64
	}{
		{
			// Second 0: R1's first decode token alone (100 J, 50 J net).
			// Second 1: R1 one token, R2 two (200 J, 150 net: 1/3, 2/3).
			// Seconds 2–3: nobody (350 J unattributed).
			name:     "decode only",
			joules:   []float64{100, 200, 300, 50},
			baseline: ptr(50),
			requests: []trace.Request{
				streamed(1, 0, 0, 3, 0, 1, 2),
				streamed(2, 1, 0, 3, 0, 0.5, 1),
			},
			to: 4,
			want: []wantRequest{
				{id: 1, gross: 100 + 200.0/3, net: 50 + 50, decode: 100 + 200.0/3, netDecode: 100},
				{id: 2, gross: 400.0 / 3, net: 100, decode: 400.0 / 3, netDecode: 100},
			},
			weight: 1, source: WeightOneKindOnly, unattr: 350, idle: 100,
		},
		{
			// Too few intervals to fit: R1's prompt runs at 10 tokens/s,
			// decode streams at 2 tokens/s, so a prompt token weighs 0.2.
			// Second 0: R1's 10 prompt tokens (2 units) against R2's 2
			// decode tokens; second 1: 2 decode tokens each. Halves.
			name:   "equal rates",
			joules: []float64{100, 100},
			requests: []trace.Request{
				streamed(1, 0, 10, 3, 1, 1.5, 2),
				streamed(2, 0, 0, 5, 0, 0.5, 1, 1.5, 2),
			},
			to: 2,
			want: []wantRequest{
				{id: 1, gross: 100, prefill: 50, decode: 50},
				{id: 2, gross: 100, decode: 100},
			},
			weight: 0.2, source: WeightEqualRates,
		},
		{
			// A request seen only whole (not streamed) spreads its work
			// over its span: half its 4 units fall in second 1, where R2
			// has 2 decode tokens.
			name:   "not streamed",
			joules: []float64{60, 60},
			requests: []trace.Request{
				{ID: 1, Model: "m", Phase: trace.PhaseMeasured, Start: 0, End: 2, FirstToken: nan, InputTokens: 0, OutputTokens: 5},
				streamed(2, 1, 0, 3, 0, 0.5, 1),
			},
			to: 2,
			want: []wantRequest{
				{id: 1, gross: 60 + 30, decode: 90},
				{id: 2, gross: 30, decode: 30},
			},
			weight: 1, source: WeightOneKindOnly,
		},
		{
			// The window's edge cuts R1: only its work inside counts.
			name:     "window edge",
			joules:   []float64{80, 80, 80},
			baseline: ptr(20),
			requests: []trace.Request{streamed(1, 0, 0, 4, 0, 1, 2, 3)},
			to:       2,
			want:     []wantRequest{{id: 1, gross: 160, net: 120, decode: 160, netDecode: 120, partial: true}},
			weight:   1, source: WeightOneKindOnly, idle: 40,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := counterChannel(t, tt.joules...)
			a, rows := attributeRows(t, []AttributionChannel{{Series: s, BaselineWatts: tt.baseline}}, tt.requests, 0, tt.to)
			if len(rows) != len(tt.want) {
				t.Fatalf("%d requests attributed, want %d", len(rows), len(tt.want))
			}
			for i, w := range tt.want {
				r := rows[i]
				if r.ID != w.id {
					t.Fatalf("request %d has id %d, want %d", i, r.ID, w.id)
				}
				checkNear(t, "gross", r.Joules, w.gross)
				checkNear(t, "prefill", r.PrefillJoules, w.prefill)
				checkNear(t, "decode", r.DecodeJoules, w.decode)
				checkNear(t, "net", r.NetJoules, w.net)
				checkNear(t, "net prefill", r.NetPrefillJoules, w.netPrefill)
				checkNear(t, "net decode", r.NetDecodeJoules, w.netDecode)
				if r.Partial != w.partial {
					t.Errorf("request %d partial = %v, want %v", r.ID, r.Partial, w.partial)
				}
			}
			c := a.Channels[0]
			checkNear(t, "prefill weight", c.PrefillWeight, tt.weight)
			if c.PrefillWeightSource != tt.source {
				t.Errorf("weight source %q, want %q", c.PrefillWeightSource, tt.source)
			}
			checkNear(t, "unattributed", a.UnattributedJ, tt.unattr)
			checkNear(t, "idle", a.IdleJ, tt.idle)
			if a.HasNet != (tt.baseline != nil) {
				t.Errorf("HasNet = %v with baseline %v", a.HasNet, tt.baseline)
			}
		})
	}
}

// When intervals mix prefill and decode work in varying proportions, the
// weight is fitted: here every interval k drew a·prompt + b·decode
// exactly, with a = 0.5 J and b = 2 J, so the weight is 0.25 and each
// prefill request is due exactly a × its prompt tokens.
func TestAttributeFitsPrefillWeight(t *testing.T) {
	const a, b = 0.5, 2.0
	var joules []float64
	var reqs []trace.Request
	long := trace.Request{ID: 0, Model: "m", Phase: trace.PhaseMeasured, Streamed: true, OutputTokens: 1}
	const n = 24
	for k := range n {
		in, d := 10+3*k, k%4+1
		joules = append(joules, a*float64(in)+b*float64(d))
		// A prefill-only request fills second k: 1 output token at k+1.
		reqs = append(reqs, streamed(k+1, float64(k), in, 1, 1))
		// The long request's decode tokens land d to a second.
		for j := range d {
			long.Chunks = append(long.Chunks, float64(k)+float64(j+1)/float64(d))
			long.OutputTokens++
		}
	}
	// Its first chunk, at 0, is the first token; one decode token per gap.
	long.Chunks = append([]float64{0}, long.Chunks...)
	long.ChunkCount, long.FirstToken, long.End = len(long.Chunks), 0, n
	reqs = append(reqs, long)

	s := counterChannel(t, joules...)
	att, rows := attributeRows(t, []AttributionChannel{{Series: s}}, reqs, 0, n)
	c := att.Channels[0]
	if c.PrefillWeightSource != WeightFit {
		t.Fatalf("weight source %q, want %q", c.PrefillWeightSource, WeightFit)
	}
	checkNear(t, "prefill weight", c.PrefillWeight, a/b)
	for _, r := range rows {
		if r.ID == 0 {
			checkNear(t, "long request's decode energy", r.DecodeJoules, b*float64(long.OutputTokens-1))
			continue
		}
		checkNear(t, "prefill request's energy", r.Joules, a*float64(r.InputTokens))
		checkNear(t, "prefill request's prefill energy", r.PrefillJoules, r.Joules)
	}
}

// Whatever the requests and the readings, every joule of the window is
// accounted for: requests + unattributed = the channel's energy, and with
// a baseline, net requests + idle + unattributed = the same.
func TestAttributeConservesEnergy(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	// Power read at irregular times, varying, over 0–60 s.
	var ts, ws []float64
	for x := 0.0; x < 60; x += 0.05 + 0.2*rng.Float64() {
		ts = append(ts, x)
		ws = append(ws, 100+300*rng.Float64())
	}
	power := oneSeries(t, powerSamples("nvml", "gpu0", ComponentGPU, ts, ws), nil)
	var cs []float64
	c := 0.0
	for i := range ts {
		if i > 0 {
			c += (ws[i] + ws[i-1]) / 2 * (ts[i] - ts[i-1])
		}
		cs = append(cs, c)
	}
	counter := oneSeries(t, counterSamples("dcgm", "gpu1", ComponentGPU, ts, cs), nil)

	var reqs []trace.Request
	for id := range 200 {
		start := 70 * rng.Float64() // some outside the window, some across its edges
		ttft := 0.02 + 0.3*rng.Float64()
		chunks := []float64{ttft}
		for range rng.IntN(40) {
			chunks = append(chunks, chunks[len(chunks)-1]+0.005+0.05*rng.Float64())
		}
		r := streamed(id, start, 1+rng.IntN(500), len(chunks), chunks...)
		if id%7 == 0 {
			r.Chunks = r.Chunks[:len(r.Chunks)/2] // only the first ones recorded
			r.End += 0.1
		}
		reqs = append(reqs, r)
	}
	chans := []AttributionChannel{{Series: power, BaselineWatts: ptr(120)}, {Series: counter, BaselineWatts: ptr(80)}}
	for _, w := range []struct{ from, to float64 }{{5, 55}, {0, 60}, {20.3, 20.9}} {
		a, rows := attributeRows(t, chans, reqs, w.from, w.to)
		want := 0.0
		for _, ch := range chans {
			e, err := ch.Series.Energy(w.from, w.to)
			if err != nil {
				t.Fatal(err)
			}
			want += e.Joules
		}
		checkNear(t, "channel energy", a.EnergyJ, want)
		checkNear(t, "requests + unattributed", a.AttributedJ+a.UnattributedJ, a.EnergyJ)
		checkNear(t, "net requests + idle + unattributed", a.NetAttributedJ+a.IdleJ+a.UnattributedJ, a.EnergyJ)
		var sum float64
		for _, r := range rows {
			checkNear(t, "prefill + decode", r.PrefillJoules+r.DecodeJoules, r.Joules)
			sum += r.Joules
		}
		checkNear(t, "Σ requests", sum, a.AttributedJ)
		if !(a.AttributedJ > 0) || len(rows) == 0 {
			t.Errorf("window %v: nothing attributed", w)
		}
	}
}

// Work placed in time from a request's record.
func TestRequestWork(t *testing.T) {
	tests := []struct {
		name string
		r    trace.Request
		want []workSpan
	}{
		{
			name: "streamed",
			r:    streamed(1, 10, 20, 5, 0.5, 0.6, 0.8),
			// 4 decode tokens over the 2 chunks after the first; the
			// stream ended with its last chunk.
			want: []workSpan{{10, 10.5, 20, 0}, {10.5, 10.6, 0, 2}, {10.6, 10.8, 0, 2}},
		},
		{
			name: "chunk times cut off",
			r: func() trace.Request {
				r := streamed(1, 0, 8, 4, 1, 2, 3, 4)
				r.Chunks, r.End = r.Chunks[:2], 5
				return r
			}(),
			// 3 decode tokens, one a chunk; the 2 unrecorded chunks span 2–5.
			want: []workSpan{{0, 1, 8, 0}, {1, 2, 0, 1}, {2, 5, 0, 2}},
		},
		{
			// The end-of-sequence token came without text, one step after
			// the last chunk.
			name: "end-of-sequence step",
			r: func() trace.Request {
				r := streamed(1, 0, 8, 4, 1, 2, 3)
				r.End = 4
				return r
			}(),
			want: []workSpan{{0, 1, 8, 0}, {1, 2, 0, 1}, {2, 3, 0, 1}, {3, 4, 0, 1}},
		},
		{
			name: "one chunk",
			r:    streamed(1, 0, 8, 6, 2),
			want: []workSpan{{0, 2, 8, 5}},
		},
		{
			name: "not streamed",
			r:    trace.Request{Start: 1, End: 3, FirstToken: nan, InputTokens: 8, OutputTokens: 6},
			want: []workSpan{{1, 3, 8, 5}},
		},
		{
			name: "failed midway, no usage",
			r: func() trace.Request {
				r := streamed(1, 0, 8, 0, 1, 2, 3)
				r.ErrorClass = "timeout"
				return r
			}(),
			want: []workSpan{{0, 1, 8, 0}, {1, 2, 0, 1}, {2, 3, 0, 1}},
		},
		{
			name: "images",
			r:    trace.Request{Start: 0, End: 4, FirstToken: nan, Items: 16},
			want: []workSpan{{0, 4, 0, 16}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := requestWork(tt.r)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if !near(g.t0, w.t0) || !near(g.t1, w.t1) || !near(g.prompt, w.prompt) || !near(g.decode, w.decode) {
					t.Errorf("span %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestSpread(t *testing.T) {
	bounds := []float64{0, 1, 3, 4}
	tests := []struct {
		name   string
		t0, t1 float64
		want   map[int]float64
	}{
		{"inside one", 1.5, 2.5, map[int]float64{1: 1}},
		{"across", 0.5, 3.5, map[int]float64{0: 0.5 / 3, 1: 2 / 3.0, 2: 0.5 / 3}},
		{"past the end", 3, 6, map[int]float64{2: 1 / 3.0}},
		{"before the start", -2, -1, map[int]float64{}},
		{"instant at a bound", 1, 1, map[int]float64{1: 1}},
		{"instant at the end", 4, 4, map[int]float64{2: 1}},
		{"instant outside", 5, 5, map[int]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[int]float64{}
			spread(bounds, tt.t0, tt.t1, func(k int, f float64) { got[k] += f })
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if !near(got[k], w) {
					t.Errorf("interval %d gets %g, want %g", k, got[k], w)
				}
			}
		})
	}
}

func TestFitEnergy(t *testing.T) {
	plane := func(p, o float64) float64 { return 2 + 0.1*p + 0.5*o }
	tests := []struct {
		name              string
		prompt, output    []float64
		y                 []float64 // nil: the plane
		intercept, pj, oj *float64
		r2                *float64
	}{
		{
			name:   "exact plane",
			prompt: []float64{10, 20, 30, 10, 50}, output: []float64{5, 5, 40, 80, 7},
			intercept: ptr(2), pj: ptr(0.1), oj: ptr(0.5), r2: ptr(1),
		},
		{
			// Every prompt 12 tokens: the intercept holds their energy.
			name:   "one prompt length",
			prompt: []float64{12, 12, 12, 12}, output: []float64{1, 2, 3, 4},
			intercept: ptr(2 + 1.2), oj: ptr(0.5), r2: ptr(1),
		},
		{
			// Mean y is 2 at output 1 and 3 at output 2: intercept 1,
			// slope 1, residuals ±1; R² = 1 − 4/5.
			name:   "noisy",
			prompt: []float64{5, 5, 5, 5}, output: []float64{1, 1, 2, 2}, y: []float64{1, 3, 2, 4},
			intercept: ptr(1), oj: ptr(1), r2: ptr(0.2),
		},
		{
			// Equal energies but for rounding: R² has nothing to explain.
			name:   "equal energies",
			prompt: []float64{5, 5, 5}, output: []float64{1, 2, 3}, y: []float64{100, 100 * (1 + 1e-15), 100 * (1 - 1e-15)},
			intercept: ptr(100), oj: ptr(0),
		},
		{
			name:   "too few requests",
			prompt: []float64{1, 2}, output: []float64{3, 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := tt.y
			if y == nil {
				for i := range tt.prompt {
					y = append(y, plane(tt.prompt[i], tt.output[i]))
				}
			}
			// The points kept (Gram–Schmidt), and only their sums.
			for _, exact := range []int{len(y), 0} {
				tally := newFitTally(exact)
				for i := range y {
					tally.add(tt.prompt[i], tt.output[i], y[i])
				}
				f := tally.fit()
				if exact > 0 && !reflect.DeepEqual(f, fitEnergy(tt.prompt, tt.output, y)) {
					t.Errorf("fit of the points kept %+v, not fitEnergy's", f)
				}
				if f.Requests != len(y) {
					t.Errorf("requests = %d, want %d", f.Requests, len(y))
				}
				checkPtr(t, "intercept", f.InterceptJ, tt.intercept)
				checkPtr(t, "J/prompt token", f.JoulesPerPromptToken, tt.pj)
				checkPtr(t, "J/output token", f.JoulesPerOutputToken, tt.oj)
				checkPtr(t, "R²", f.R2, tt.r2)
			}
		})
	}
}

// The summary's distribution and shares, by hand; a failed request counts
// in the shares (its energy was spent) but not in the distribution.
func TestAttributionSummary(t *testing.T) {
	a := &Attribution{
		HasNet: true, EnergyJ: 1000, IdleJ: 200, UnattributedJ: 200,
		Channels: []ChannelAttribution{{Key: "dcgm/gpu0", PrefillWeight: 0.3, PrefillWeightSource: WeightFit}},
	}
	for _, r := range []RequestEnergy{
		{ID: 1, OK: true, InputTokens: 10, OutputTokens: 10, Joules: 100, NetJoules: 60, NetPrefillJoules: 20, NetDecodeJoules: 40},
		{ID: 2, OK: true, InputTokens: 20, OutputTokens: 30, Joules: 200, NetJoules: 140, NetPrefillJoules: 40, NetDecodeJoules: 100},
		{ID: 3, OK: true, InputTokens: 30, OutputTokens: 10, Joules: 250, NetJoules: 160, NetPrefillJoules: 60, NetDecodeJoules: 100},
		{ID: 4, OK: false, Joules: 50, NetJoules: 40, NetPrefillJoules: 0, NetDecodeJoules: 40},
	} {
		a.add(r)
	}
	s := a.Summary()
	checkNear(t, "attributed", s.AttributedJ, 600)
	checkPtr(t, "net attributed", s.NetAttributedJ, ptr(400))
	if s.Basis != "net" || s.JoulesPerRequest.Count != 3 || s.NetJoulesPerRequest.Count != 3 {
		t.Fatalf("basis %q, %d and %d requests in the distributions; want net, 3, 3", s.Basis, s.JoulesPerRequest.Count, s.NetJoulesPerRequest.Count)
	}
	checkNear(t, "p50 J/request", s.JoulesPerRequest.P50, 200)
	checkNear(t, "p90 J/request", s.JoulesPerRequest.P90, 240) // 200 + 0.8 × 50
	checkNear(t, "p50 net J/request", s.NetJoulesPerRequest.P50, 140)
	// Shares of every request's net energy, the failed one included: 120 of 400.
	checkPtr(t, "prefill share", s.PrefillShare, ptr(0.3))
	checkPtr(t, "decode share", s.DecodeShare, ptr(0.7))
	checkPtr(t, "idle", s.IdleJ, ptr(200))
	if s.Fit.Requests != 3 || len(s.PrefillWeights) != 1 || s.PrefillWeights[0].Weight != 0.3 {
		t.Errorf("fit over %d requests, weights %+v", s.Fit.Requests, s.PrefillWeights)
	}
	if math.IsNaN(s.EnergyJ) || s.EnergyJ != 1000 {
		t.Errorf("energy %g, want 1000", s.EnergyJ)
	}
}

// A model's attribution through Analyze's own figures: ten requests one
// after another, one a second at 150 W against a 50 W idle baseline, are
// due 150 J each, 100 J net; another model's request is not this one's.
func TestAttributeModel(t *testing.T) {
	watts := func(x float64) float64 {
		if x > 2 && x <= 12 {
			return 150
		}
		return 50
	}
	var ts, cs []float64
	for k := 0; k <= 14; k++ {
		ts = append(ts, float64(k))
		if k == 0 {
			cs = append(cs, 0)
		} else {
			cs = append(cs, cs[k-1]+watts(float64(k)))
		}
	}
	samples := counterSamples("dcgm", "gpu0", ComponentGPU, ts, cs)
	phases := []trace.Phase{
		{Model: "m", Name: trace.PhaseIdleBefore, Start: 0, End: 2},
		{Model: "m", Name: trace.PhaseMeasured, Start: 2, End: 12},
		{Model: "m", Name: trace.PhaseIdleAfter, Start: 12, End: 14},
	}
	var reqs []trace.Request
	for k := range 10 {
		reqs = append(reqs, streamed(k, float64(2+k), 20, 10, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1))
	}
	other := streamed(99, 5, 20, 10, 0.5, 1)
	other.Model = "other"
	reqs = append(reqs, other)

	res, err := Analyze(samples, trace.Slice(reqs), phases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	series, err := GroupSeries(samples, Declared{})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Models[0]
	var rows []RequestEnergy
	a, err := AttributeModel(series, m, trace.Slice(reqs), func(r RequestEnergy) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "energy", a.EnergyJ, *m.EnergyJ)
	if len(rows) != 10 || a.Requests != 10 || !a.HasNet {
		t.Fatalf("%d requests attributed, %d rows (net known: %v), want 10 with net", a.Requests, len(rows), a.HasNet)
	}
	for _, r := range rows {
		checkNear(t, "gross", r.Joules, 150)
		checkNear(t, "net", r.NetJoules, 100)
	}
	checkNear(t, "idle", a.IdleJ, 500)
	checkNear(t, "unattributed", a.UnattributedJ, 0)

	if a, err := AttributeModel(series, ModelResult{Model: "m"}, trace.Slice(reqs), nil); a != nil || err != nil {
		t.Errorf("a model without energy: attribution %v, error %v; want neither", a, err)
	}
}
