package analysis

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

// Summary describes the attribution; see AttributionSummary.
func (a *Attribution) Summary() AttributionSummary {
	s := AttributionSummary{
		Channels: []string{}, Requests: len(a.Requests),
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
	var gross, netJ, prompt, output, basis []float64
	var prefill, total float64
	for _, r := range a.Requests {
		p, t := r.PrefillJoules, r.Joules
		if a.HasNet {
			p, t = r.NetPrefillJoules, r.NetJoules
		}
		prefill, total = prefill+p, total+t
		if !r.OK || r.Partial {
			continue
		}
		gross = append(gross, r.Joules)
		netJ = append(netJ, r.NetJoules)
		prompt = append(prompt, float64(r.InputTokens))
		output = append(output, float64(r.OutputTokens))
		basis = append(basis, t)
	}
	s.JoulesPerRequest = summarizeInPlace(gross)
	if a.HasNet {
		s.NetJoulesPerRequest = summarizeInPlace(netJ)
	}
	s.Fit = fitEnergy(prompt, output, basis)
	if total > 0 {
		ps, ds := prefill/total, 1-prefill/total
		s.PrefillShare, s.DecodeShare = &ps, &ds
	}
	return s
}
