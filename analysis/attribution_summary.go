package analysis

import "github.com/aienergy/aienergy/quantile"

// AttributionSummary describes how a window's energy divides among its
// requests (see Attribute for the model). The distributions and the fit
// cover the requests that succeeded and ran wholly inside the window: a
// request cut by the window's edge has only part of its energy in it.
type AttributionSummary struct {
	Channels []string `json:"channels"` // the channels split, as in energy_basis
	Requests int      `json:"requests"` // requests that did work in the window
	// EnergyJ is the channels' energy over the window; AttributedJ goes
	// to requests; IdleJ is the idle baseline while they ran (null without
	// a baseline); UnattributedJ ran while no request did any work.
	// AttributedJ + UnattributedJ = EnergyJ, and with a baseline
	// NetAttributedJ + IdleJ + UnattributedJ = EnergyJ.
	EnergyJ        float64  `json:"energy_j"`
	AttributedJ    float64  `json:"attributed_j"`
	NetAttributedJ *float64 `json:"net_attributed_j"`
	IdleJ          *float64 `json:"idle_j"`
	UnattributedJ  float64  `json:"unattributed_j"`

	JoulesPerRequest    Distribution `json:"joules_per_request"`
	NetJoulesPerRequest Distribution `json:"net_joules_per_request"` // empty without a baseline

	// Basis is what Fit and the shares are of: "net" energy when every
	// channel has a baseline (idle is no request's work), else "gross".
	Basis string    `json:"basis"`
	Fit   EnergyFit `json:"fit"`
	// PrefillShare and DecodeShare divide the requests' energy (of every
	// request that worked in the window) between the two phases; null
	// when that energy is not positive.
	PrefillShare *float64 `json:"prefill_share"`
	DecodeShare  *float64 `json:"decode_share"`

	PrefillWeights []PrefillWeight `json:"prefill_weights"`
}

// PrefillWeight is what one prompt token weighed against one decode token
// on a channel, and how that was found (fit, equal rates, one kind, no
// work).
type PrefillWeight struct {
	Channel string  `json:"channel"`
	Weight  float64 `json:"weight"`
	Source  string  `json:"source"`
}

// summaryTally gathers, row by row, what AttributionSummary describes:
// memory fixed by its exact limit, however many rows.
type summaryTally struct {
	gross, net *quantile.Sketch // J per fitted request
	fit        *fitTally        // of the fitted requests, on the basis
	// prefill and total: Σ every row's prefill and whole energy, on the
	// basis.
	prefill, total float64
}

// newSummaryTally keeps up to exact values of each distribution, and
// exact points of the fit, exactly.
func newSummaryTally(exact int) *summaryTally {
	return &summaryTally{gross: newSketch(exact), net: newSketch(exact), fit: newFitTally(exact)}
}

// add counts a row; net says the basis is net energy.
func (t *summaryTally) add(r RequestEnergy, net bool) {
	p, e := r.PrefillJoules, r.Joules
	if net {
		p, e = r.NetPrefillJoules, r.NetJoules
	}
	t.prefill, t.total = t.prefill+p, t.total+e
	if !r.Fitted() {
		return
	}
	t.gross.Add(r.Joules)
	t.net.Add(r.NetJoules)
	t.fit.add(float64(r.InputTokens), float64(r.OutputTokens), e)
}

// Summary describes the attribution; see AttributionSummary. Its
// percentiles are exact while the distributions hold every value (see
// NewRunAttributor), else within their QuantileRelError.
func (a *Attribution) Summary() AttributionSummary {
	s := AttributionSummary{
		Channels: []string{}, Requests: a.Requests,
		EnergyJ: a.EnergyJ, AttributedJ: a.AttributedJ, UnattributedJ: a.UnattributedJ,
		Basis: "gross", PrefillWeights: []PrefillWeight{},
	}
	for _, c := range a.Channels {
		s.Channels = append(s.Channels, c.Key)
		s.PrefillWeights = append(s.PrefillWeights, PrefillWeight{Channel: c.Key, Weight: c.PrefillWeight, Source: c.PrefillWeightSource})
	}
	if a.HasNet {
		net, idle := a.NetAttributedJ, a.IdleJ
		s.NetAttributedJ, s.IdleJ, s.Basis = &net, &idle, "net"
	}
	t := a.tally
	if t == nil {
		t = newSummaryTally(0)
	}
	s.JoulesPerRequest = distributionOf(t.gross)
	if a.HasNet {
		s.NetJoulesPerRequest = distributionOf(t.net)
	}
	s.Fit = t.fit.fit()
	if t.total > 0 {
		ps, ds := t.prefill/t.total, 1-t.prefill/t.total
		s.PrefillShare, s.DecodeShare = &ps, &ds
	}
	return s
}
