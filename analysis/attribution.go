package analysis

import (
	"errors"
	"fmt"
	"sort"

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

// Attribution is a window's energy split among its requests.
type Attribution struct {
	From, To float64
	Channels []ChannelAttribution
	Requests []RequestEnergy // in the order given; those that did no work in the window left out
	// HasNet: every channel has a baseline, so the net figures are known.
	HasNet bool

	EnergyJ        float64 // Σ channels over the covered window
	AttributedJ    float64 // Σ Requests[].Joules
	NetAttributedJ float64 // Σ Requests[].NetJoules
	IdleJ          float64 // baseline × duration of the intervals with work
	UnattributedJ  float64 // energy of the intervals without work
}

// AttributionChannel is one channel to attribute, with its idle baseline
// (nil when unknown: then no net figures).
type AttributionChannel struct {
	Series        *Series
	BaselineWatts *float64
}

// AttributeModel splits a model's headline energy — the channels of
// m.EnergyBasis over m.Window, each with its baseline from m.Channels —
// among the model's requests. series is the run's, from GroupSeries with
// the same declarations Analyze had; requests may be the whole run's:
// those of other models and impossible records are left out. It returns
// nil when the model has no energy figure.
func AttributeModel(series []*Series, m ModelResult, requests trace.Requests) (*Attribution, error) {
	if len(m.EnergyBasis) == 0 {
		return nil, nil
	}
	bySeries := map[string]*Series{}
	for _, s := range series {
		bySeries[s.Key()] = s
	}
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
	reqs, err := trace.Collect(trace.Filter(requests, func(r trace.Request) bool {
		return r.Model == m.Model && checkRequest(r) == nil
	}))
	if err != nil {
		return nil, err
	}
	return Attribute(chans, reqs, m.Window.StartS, m.Window.EndS)
}

// Attribute splits the energy of channels over [from, to] among the
// requests in flight; requests must have passed checkRequest's tests
// (AttributeModel sees to it). The model, also in docs/output.md:
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
func Attribute(channels []AttributionChannel, requests []trace.Request, from, to float64) (*Attribution, error) {
	a := &Attribution{From: from, To: to, HasNet: len(channels) > 0}
	// Work is placed afresh at each pass rather than kept: a long run's
	// chunk times, as spans, would take far more memory than the records.
	work := func(i int) []workSpan { return requestWork(requests[i]) }
	rows := make([]RequestEnergy, len(requests))
	touched := make([]bool, len(requests))
	for _, ch := range channels {
		iv, err := channelIntervals(ch.Series, from, to)
		if err != nil {
			return nil, fmt.Errorf("attribution: channel %s: %w", ch.Series.Key(), err)
		}
		c := splitChannel(iv, ch.BaselineWatts, work, rows, touched)
		c.Key = ch.Series.Key()
		a.Channels = append(a.Channels, c)
		a.HasNet = a.HasNet && ch.BaselineWatts != nil
		a.EnergyJ += c.EnergyJ
	}
	for _, c := range a.Channels {
		a.IdleJ += c.IdleJ
		a.UnattributedJ += c.UnattributedJ
	}
	for i, r := range requests {
		if !touched[i] {
			continue
		}
		row := &rows[i]
		row.ID, row.Model, row.Phase = r.ID, r.Model, r.Phase
		row.InputTokens, row.OutputTokens, row.OK = r.InputTokens, r.OutputTokens, r.OK()
		// Times in the files are rounded to the µs each on its own.
		row.Partial = r.Start < from-timeSlack || r.End > to+timeSlack
		row.Joules = row.PrefillJoules + row.DecodeJoules
		row.NetJoules = row.NetPrefillJoules + row.NetDecodeJoules
		if !a.HasNet {
			row.NetJoules, row.NetPrefillJoules, row.NetDecodeJoules = 0, 0, 0
		}
		a.AttributedJ += row.Joules
		a.NetAttributedJ += row.NetJoules
		a.Requests = append(a.Requests, *row)
	}
	if !a.HasNet {
		// Without every baseline, the requests' gross is all there is.
		a.IdleJ = 0
	}
	return a, nil
}

// intervals are a channel's window cut at its readings: bounds[k] to
// bounds[k+1] holds joules[k].
type intervals struct {
	method string
	bounds []float64
	joules []float64
}

// channelIntervals cuts the part of [from, to] that s's Energy covers at
// the readings of the method Energy chose, and takes each piece's energy
// the way Energy does, so that the pieces add up to Energy's figure.
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
	iv := intervals{method: e.Method, bounds: []float64{lo}}
	for i := sort.SearchFloat64s(cuts, lo); i < len(cuts) && cuts[i] < hi; i++ {
		if cuts[i] > iv.bounds[len(iv.bounds)-1] {
			iv.bounds = append(iv.bounds, cuts[i])
		}
	}
	iv.bounds = append(iv.bounds, hi)
	for k := range len(iv.bounds) - 1 {
		iv.joules = append(iv.joules, piece(iv.bounds[k], iv.bounds[k+1]))
	}
	return iv, nil
}
