package html

import (
	"fmt"

	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/report"
)

// repGroup is one repeated point: the spread of its headline figures.
type repGroup struct {
	Label, N string
	Rows     []repRow
}

type repRow struct {
	Figure, Mean, SD, CI, CV string
}

func repetitionGroups(reps []report.Repeated) []repGroup {
	var out []repGroup
	for _, r := range reps {
		g := repGroup{Label: r.Label(), N: fmt.Sprint(r.N)}
		for _, f := range r.Rows() {
			row := repRow{Figure: f.Title, Mean: sig(f.Mean), SD: opt(f.Std), CI: dash, CV: dash}
			if f.CI95Low != nil && f.CI95High != nil {
				row.CI = sig(*f.CI95Low) + " – " + sig(*f.CI95High)
			}
			if f.CVPercent != nil {
				row.CV = sig(*f.CVPercent) + " %"
			}
			g.Rows = append(g.Rows, row)
		}
		out = append(out, g)
	}
	return out
}

// prefillDecodeRow is one point's split of energy into prefill and
// decode.
type prefillDecodeRow struct {
	Label, Prefill, Full, Decode, DecodePerToken, NetPrefill, NetDecodePerToken string
}

func prefillDecodeRows(pds []report.PrefillDecode) []prefillDecodeRow {
	var out []prefillDecodeRow
	for _, pd := range pds {
		out = append(out, prefillDecodeRow{
			Label: pd.Label(), Prefill: opt(pd.PrefillJoulesPerRequest), Full: opt(pd.FullJoulesPerRequest),
			Decode: opt(pd.DecodeJoulesPerRequest), DecodePerToken: opt(pd.DecodeJoulesPerToken),
			NetPrefill: opt(pd.NetPrefillJoulesPerRequest), NetDecodePerToken: opt(pd.NetDecodeJoulesPerToken),
		})
	}
	return out
}

// rateRow is how one open-loop schedule was kept.
type rateRow struct {
	Model, Requested, Scheduled, Achieved, Sent, Queued, Lag, Queue string
}

func rateRows(s *report.Summary) []rateRow {
	var out []rateRow
	spread := func(sp load.Spread) string {
		return sig(sp.P50) + " / " + sig(sp.P99) + " / " + sig(sp.Max)
	}
	for _, st := range s.RateStats {
		sent := fmt.Sprint(st.Requests)
		if st.Unsent > 0 {
			sent += fmt.Sprintf(" (%d unsent)", st.Unsent)
		}
		queued := fmt.Sprint(st.Queued)
		if st.Queued > 0 && st.MaxConcurrency > 0 {
			queued += fmt.Sprintf(" (cap %d in flight)", st.MaxConcurrency)
		}
		out = append(out, rateRow{
			Model: st.Model, Requested: sig(st.RequestedRPS), Scheduled: opt(st.ScheduledRPS), Achieved: opt(st.AchievedRPS),
			Sent: sent, Queued: queued, Lag: spread(st.LagMs), Queue: spread(st.QueueMs),
		})
	}
	return out
}
