package analysis

import (
	"errors"
	"fmt"
	"sort"

	"github.com/aienergy/aienergy/quantile"
	"github.com/aienergy/aienergy/trace"
)

// RequestEnergy is one request's share of a window's energy, summed over
// the channels. Net figures are 0 unless Attribution.HasNet.
type RequestEnergy struct {
	ID           int
	Model        string
	Phase        string
	InputTokens  int
	OutputTokens int
	OK           bool
	// Partial: the request did work outside the window, which its figures
	// leave out.
	Partial bool

	Joules, NetJoules               float64
	PrefillJoules, NetPrefillJoules float64
	DecodeJoules, NetDecodeJoules   float64
}

// Fitted reports whether the request counts in the summary's
// distributions and fit: it succeeded and ran wholly inside the window.
func (r RequestEnergy) Fitted() bool { return r.OK && !r.Partial }

// ChannelAttribution tells how one channel's energy was split.
type ChannelAttribution struct {
	Key           string
	Method        string // counter or integration, as the channel's energy
	EnergyJ       float64
	BaselineWatts *float64
	Intervals     int
	// IdleJ is the baseline over the intervals with work (0 without a
	// baseline); UnattributedJ the energy of the intervals without.
	IdleJ, UnattributedJ float64
	// PrefillWeight is what one prompt token weighs against one decode
	// token; PrefillWeightSource says how it was found.
	PrefillWeight       float64
	PrefillWeightSource string
}

// Sources of a PrefillWeight.
const (
	WeightFit         = "fit"         // least squares over the window's intervals
	WeightEqualRates  = "equal rates" // the median prompt and decode rates made equal
	WeightOneKindOnly = "one kind"    // only prefill or only decode work: the weight does not matter
	WeightNoWork      = "no work"     // no request worked in the window
)

// Attribution is a window's energy split among its requests: what one
// pass over them found. The rows themselves went to the pass's callback,
// in the order of the records; none is kept, only the totals below and
// the tallies Summary describes.
type Attribution struct {
	From, To float64
	Channels []ChannelAttribution
	// Requests is how many requests did work in the window: the rows the
	// pass gave.
	Requests int
	// HasNet: every channel has a baseline, so the net figures are known.
	HasNet bool

	EnergyJ        float64 // Σ channels over the covered window
	AttributedJ    float64 // Σ rows' Joules
	NetAttributedJ float64 // Σ rows' NetJoules
	IdleJ          float64 // baseline × duration of the intervals with work
	UnattributedJ  float64 // energy of the intervals without work

	tally *summaryTally
}

// add counts a row in the totals and the summary's tallies.
func (a *Attribution) add(r RequestEnergy) {
	if a.tally == nil {
		a.tally = newSummaryTally(quantile.DefaultExactLimit)
	}
	a.Requests++
	a.AttributedJ += r.Joules
	a.NetAttributedJ += r.NetJoules
	a.tally.add(r, a.HasNet)
}

// AttributionChannel is one channel to attribute, with its idle baseline
// (nil when unknown: then no net figures).
type AttributionChannel struct {
	Series        *Series
	BaselineWatts *float64
}

// An Attributor is a window's attribution between its two passes over the
// requests. The first (NewAttributor, NewRunAttributor) places every
// request's work in the channels' intervals and sums it per interval, and
// gathers the prompt and decode rates the prefill weight may need; from
// those sums each interval's energy is then known per unit of work. The
// second (Attribute, as often as wanted) gives each request its share of
// the intervals it worked in, from those sums alone, one record at a time.
// So its memory grows with the channels' readings in the window, never
// with the requests.
type Attributor struct {
	from, to float64
	// requests are the window's records, checked (checkRequest) and of
	// its model only.
	requests trace.Requests
	chans    []*channelSplit
	hasNet   bool
	exact    int // values each distribution, and the fit, keep exactly
	rates    *rateTally
	rows     int // requests that worked in the window, counted by the first pass
}

// newAttributor cuts the channels' window into intervals, ready for a
// first pass.
func newAttributor(channels []AttributionChannel, from, to float64, exact int) (*Attributor, error) {
	at := &Attributor{from: from, to: to, hasNet: len(channels) > 0, exact: exact, rates: newRateTally(exact)}
	for _, ch := range channels {
		c, err := newChannelSplit(ch.Series, ch.BaselineWatts, from, to)
		if err != nil {
			return nil, fmt.Errorf("attribution: channel %s: %w", ch.Series.Key(), err)
		}
		at.chans = append(at.chans, c)
		at.hasNet = at.hasNet && ch.BaselineWatts != nil
	}
	return at, nil
}

// observe is the first pass's step: r's work, summed into the intervals.
func (at *Attributor) observe(r trace.Request) {
	spans := requestWork(r)
	at.rates.add(spans)
	worked := false
	for _, c := range at.chans {
		worked = c.observe(spans) || worked
	}
	if worked {
		at.rows++
	}
}

// settle ends the first pass: the prefill weights, and each interval's
// work in decode tokens.
func (at *Attributor) settle() {
	for _, c := range at.chans {
		c.settle(at.rates.weight)
	}
	at.rates = nil
}

// NewAttributor makes the first pass over requests (see Attribute) for
// the channels over [from, to].
func NewAttributor(channels []AttributionChannel, requests trace.Requests, from, to float64) (*Attributor, error) {
	at, err := newAttributor(channels, from, to, quantile.DefaultExactLimit)
	if err != nil {
		return nil, err
	}
	at.requests = requests
	if requests != nil {
		if err := requests.Each(func(r trace.Request) error { at.observe(r); return nil }); err != nil {
			return nil, err
		}
	}
	at.settle()
	return at, nil
}

// Rows is how many requests the first pass found working in the window:
// the rows a second pass gives (its Attribution.Requests), known before
// it, so that a caller can pick a sample of them evenly as they come.
func (at *Attributor) Rows() int { return at.rows }

// HasNet says whether every channel has a baseline, so that the rows'
// net figures are known.
func (at *Attributor) HasNet() bool { return at.hasNet }

// start is an empty Attribution, for a second pass to fill.
func (at *Attributor) start() *Attribution {
	a := &Attribution{From: at.from, To: at.to, HasNet: at.hasNet, tally: newSummaryTally(at.exact)}
	for _, c := range at.chans {
		a.Channels = append(a.Channels, c.attribution)
		a.EnergyJ += c.attribution.EnergyJ
	}
	for _, c := range a.Channels {
		a.IdleJ += c.IdleJ
		a.UnattributedJ += c.UnattributedJ
	}
	if !a.HasNet {
		// Without every baseline, the requests' gross is all there is.
		a.IdleJ = 0
	}
	return a
}

// Attribute makes a second pass over the window's requests: each one that
// worked in the window gets its row, handed to each (nil: none) in the
// order of the records, and counted in the Attribution returned. each
// must not keep anything of a row but copies; its error stops the pass
// and is returned.
func (at *Attributor) Attribute(each func(RequestEnergy) error) (*Attribution, error) {
	a := at.start()
	if at.requests == nil {
		return a, nil
	}
	err := at.requests.Each(func(r trace.Request) error {
		row, ok := at.share(r)
		if !ok {
			return nil
		}
		a.add(row)
		if each != nil {
			return each(row)
		}
		return nil
	})
	return a, err
}

// share is the second pass's step: r's row, false when it did no work in
// the window.
func (at *Attributor) share(r trace.Request) (RequestEnergy, bool) {
	spans := requestWork(r)
	var row RequestEnergy
	touched := false
	for _, c := range at.chans {
		touched = c.share(spans, &row) || touched
	}
	if !touched {
		return RequestEnergy{}, false
	}
	row.ID, row.Model, row.Phase = r.ID, r.Model, r.Phase
	row.InputTokens, row.OutputTokens, row.OK = r.InputTokens, r.OutputTokens, r.OK()
	// Times in the files are rounded to the µs each on its own.
	row.Partial = r.Start < at.from-timeSlack || r.End > at.to+timeSlack
	row.Joules = row.PrefillJoules + row.DecodeJoules
	row.NetJoules = row.NetPrefillJoules + row.NetDecodeJoules
	if !at.hasNet {
		row.NetJoules, row.NetPrefillJoules, row.NetDecodeJoules = 0, 0, 0
	}
	return row, true
}

// Attribute splits the energy of channels over [from, to] among the
// requests in flight, in two passes over them (see Attributor), handing
// each request's row to each (nil: none) in the order of the records.
// requests must have passed checkRequest's tests (AttributeModel sees to
// it). The model, also in docs/output.md:
//
//   - The unit of time is the interval between two readings of a channel
//     (its counter's change points, or its power samples): what happens
//     inside one is not measured, so its energy is split as a whole.
//   - Each interval's energy goes to the requests that worked in it, in
//     proportion to their work there (requestWork says where a request's
//     tokens fall in time). A decode token is the unit; a prompt token
//     weighs PrefillWeight decode tokens.
//   - PrefillWeight is fitted per channel: the least-squares ratio of the
//     energy of a prompt token to that of a decode token, over the
//     window's intervals (net of the baseline when the channel has one).
//     When the window cannot separate the two (too few intervals with
//     each kind of work, or work of both kinds always in the same
//     proportion), a prefilling request is taken to draw what a decoding
//     one does: the weight makes the median prompt rate equal the median
//     decode rate.
//   - Net energy takes the channel's idle baseline off every interval; the
//     baseline of intervals with work is its own line (IdleJ), never a
//     request's. Energy of intervals in which no request worked is
//     UnattributedJ. So, exactly:
//     Σ request gross + UnattributedJ = EnergyJ, and
//     Σ request net + IdleJ + UnattributedJ = EnergyJ.
//
// The model's blind spots: a request waiting in the server's queue looks
// like one in prefill; requests of other clients on the same hardware are
// invisible, their energy lands on ours; and the whole interval holding a
// request's first or last work is shared, not the part it ran in.
func Attribute(channels []AttributionChannel, requests trace.Requests, from, to float64, each func(RequestEnergy) error) (*Attribution, error) {
	at, err := NewAttributor(channels, requests, from, to)
	if err != nil {
		return nil, err
	}
	return at.Attribute(each)
}

// AttributeModel splits a model's headline energy — the channels of
// m.EnergyBasis over m.Window, each with its baseline from m.Channels —
// among the model's requests, handing each request's row to each (nil:
// none). series is the run's, from GroupSeries with the same
// declarations Analyze had; requests may be the whole run's: those of
// other models and impossible records are left out. It returns nil when
// the model has no energy figure.
func AttributeModel(series []*Series, m ModelResult, requests trace.Requests, each func(RequestEnergy) error) (*Attribution, error) {
	ra, err := NewRunAttributor(series, []ModelResult{m}, requests)
	if err != nil {
		return nil, err
	}
	if at, err := ra.Model(0); at == nil {
		return nil, err
	}
	out, err := ra.Attribute(func(_ int, r RequestEnergy) error {
		if each != nil {
			return each(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// minExactPerModel is the fewest values a model's distributions keep
// exactly however many models a run has (see NewRunAttributor).
const minExactPerModel = 1 << 14

// A RunAttributor attributes several models' energy (AttributeModel) in
// shared passes over the run's records: two in all however many models
// there are, each record handed to its model's Attributor.
type RunAttributor struct {
	requests trace.Requests
	models   []*Attributor // by model; nil without energy or when it failed
	errs     []error
	byName   map[string][]int
}

// NewRunAttributor prepares the attribution of each of models and makes
// the first pass over requests for all of them. A model that cannot be
// attributed (an energy channel without samples, a window no reading
// covers) does not stop the others: Model tells. Its error is that of
// reading the records.
//
// Every distribution keeps its values exactly — percentiles as numpy's —
// while it has at most quantile.DefaultExactLimit divided among the
// models that have energy (never fewer than minExactPerModel), and is a
// sketch within quantile.DefaultRelativeError past that: the models'
// tallies are all held during a pass, and together stay within what one
// model's would take.
func NewRunAttributor(series []*Series, models []ModelResult, requests trace.Requests) (*RunAttributor, error) {
	bySeries := map[string]*Series{}
	for _, s := range series {
		bySeries[s.Key()] = s
	}
	ra := &RunAttributor{requests: requests, models: make([]*Attributor, len(models)), errs: make([]error, len(models)), byName: map[string][]int{}}
	chans := make([][]AttributionChannel, len(models))
	n := 0
	for i, m := range models {
		if len(m.EnergyBasis) == 0 {
			continue
		}
		chans[i], ra.errs[i] = modelChannels(bySeries, m)
		if ra.errs[i] == nil {
			n++
		}
	}
	exact := max(quantile.DefaultExactLimit/max(n, 1), minExactPerModel)
	for i, m := range models {
		if chans[i] == nil || ra.errs[i] != nil {
			continue
		}
		at, err := newAttributor(chans[i], m.Window.StartS, m.Window.EndS, exact)
		if err != nil {
			ra.errs[i] = err
			continue
		}
		ra.models[i] = at
		ra.byName[m.Model] = append(ra.byName[m.Model], i)
		if requests != nil {
			name := m.Model
			at.requests = trace.Filter(requests, func(r trace.Request) bool {
				return r.Model == name && checkRequest(r) == nil
			})
		}
	}
	if err := ra.each(func(i int, r trace.Request) error { ra.models[i].observe(r); return nil }); err != nil {
		return nil, err
	}
	for _, at := range ra.models {
		if at != nil {
			at.settle()
		}
	}
	return ra, nil
}

// modelChannels are the channels of m's energy figure, with their
// baselines.
func modelChannels(bySeries map[string]*Series, m ModelResult) ([]AttributionChannel, error) {
	baselines := map[string]*float64{}
	for _, c := range m.Channels {
		baselines[c.Key] = c.BaselineWatts
	}
	var chans []AttributionChannel
	for _, key := range m.EnergyBasis {
		s, ok := bySeries[key]
		if !ok {
			return nil, fmt.Errorf("attribution: model %q: no samples of its energy channel %s", m.Model, key)
		}
		chans = append(chans, AttributionChannel{Series: s, BaselineWatts: baselines[key]})
	}
	return chans, nil
}

// each is a pass over the records: fn gets every checked record with the
// index of each model it belongs to.
func (ra *RunAttributor) each(fn func(model int, r trace.Request) error) error {
	if ra.requests == nil || len(ra.byName) == 0 {
		return nil
	}
	return ra.requests.Each(func(r trace.Request) error {
		idx := ra.byName[r.Model]
		if len(idx) == 0 || checkRequest(r) != nil {
			return nil
		}
		for _, i := range idx {
			if err := fn(i, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// Model is model i's Attributor after the first pass, nil when the model
// has no energy figure or could not be attributed (then with the error).
func (ra *RunAttributor) Model(i int) (*Attributor, error) { return ra.models[i], ra.errs[i] }

// Attribute makes a second pass over the run's records for every model
// at once: each gets every row with its model's index, in the order of
// the records (see Attributor.Attribute). It returns the models'
// Attributions, nil for a model that has none (see Model).
func (ra *RunAttributor) Attribute(each func(model int, r RequestEnergy) error) ([]*Attribution, error) {
	out := make([]*Attribution, len(ra.models))
	for i, at := range ra.models {
		if at != nil {
			out[i] = at.start()
		}
	}
	err := ra.Each(func(i int, r RequestEnergy) error {
		out[i].add(r)
		if each != nil {
			return each(i, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each is Attribute without the tallies: a pass that only hands out the
// rows, as often as wanted (to write them, say, once the figures are
// known).
func (ra *RunAttributor) Each(fn func(model int, r RequestEnergy) error) error {
	return ra.each(func(i int, r trace.Request) error {
		row, ok := ra.models[i].share(r)
		if !ok {
			return nil
		}
		return fn(i, row)
	})
}

// intervals are a channel's window cut at its readings: bounds[k] to
// bounds[k+1] holds piece(bounds[k], bounds[k+1]) joules.
type intervals struct {
	method string
	bounds []float64
	piece  func(a, b float64) float64
}

// channelIntervals cuts the part of [from, to] that s's Energy covers at
// the readings of the method Energy chose, and takes each piece's energy
// the way Energy does, so that the pieces add up to Energy's figure.
// The pieces' energy is worked out when asked for, not kept: a day's
// intervals are many.
func channelIntervals(s *Series, from, to float64) (intervals, error) {
	e, err := s.Energy(from, to)
	if err != nil {
		return intervals{}, err
	}
	// cuts are where the energy is known exactly (readings, or counter
	// change points), readings those Energy measured coverage on.
	var cuts, readings []float64
	var spacing float64
	var piece func(a, b float64) float64
	switch e.Method {
	case MethodCounter:
		ct, cc := s.chgT, s.chgC
		if len(ct) < 2 {
			ct, cc = s.counterT, s.counterC // counterEnergy's coarse case
		}
		cuts, readings, spacing = ct, s.counterT, s.counterSpacing
		piece = func(a, b float64) float64 { return counterAt(ct, cc, b) - counterAt(ct, cc, a) }
	case MethodIntegration:
		cuts, readings, spacing = s.powerT, s.powerT, s.powerSpacing
		piece = func(a, b float64) float64 { j, _ := trapezoid(s.powerT, s.powerW, a, b); return j }
	default:
		return intervals{}, fmt.Errorf("energy method %q cannot be cut into intervals", e.Method)
	}
	lo, hi, ok := coveredRange(readings, from, to, gapFactor*spacing)
	if !ok {
		return intervals{}, errors.New("no readings cover the window")
	}
	iv := intervals{method: e.Method, bounds: []float64{lo}, piece: piece}
	for i := sort.SearchFloat64s(cuts, lo); i < len(cuts) && cuts[i] < hi; i++ {
		if cuts[i] > iv.bounds[len(iv.bounds)-1] {
			iv.bounds = append(iv.bounds, cuts[i])
		}
	}
	iv.bounds = append(iv.bounds, hi)
	return iv, nil
}
