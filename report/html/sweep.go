package html

import (
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strconv"

	"github.com/aienergy/aienergy/report"
)

// sweepView is the sweep section: what a sweep was run to find out.
type sweepView struct {
	Chart template.HTML
	Rows  []sweepRow
	// SLO lists the objectives ("E2E ≤ 250 ms"); "" without any.
	SLO           string
	MinAttainment string
	Best          []string
}

type sweepRow struct {
	Label, Repetitions, JPerToken, WhPer1000, TokensPerS string
	TTFT, TPOT, E2E, E2E99                               string
	Attainment, Goodput, JPerGood                        string
	Front, Meets, Best                                   bool
	HasMeets                                             bool
}

func sweepSection(res *report.SweepResult) (*sweepView, error) {
	if res == nil || len(res.Points) == 0 {
		return nil, nil
	}
	chart, err := sweepChart(res)
	if err != nil {
		return nil, fmt.Errorf("drawing the sweep: %w", err)
	}
	v := &sweepView{Chart: chart}
	if res.SLO != nil {
		v.SLO = report.SLOText(res.SLO)
		v.MinAttainment = percentShort(res.MinAttainment)
	}
	for _, p := range res.Points {
		row := sweepRow{
			Label: p.Label, Repetitions: fmt.Sprint(p.Repetitions),
			JPerToken: pair(p.JoulesPerOutputToken, p.NetJoulesPerOutputToken), WhPer1000: opt(p.WhPer1000Queries),
			TokensPerS: sig(p.OutputTokensPerS), TTFT: opt(p.TTFTMsP50), TPOT: opt(p.TPOTMsP50),
			E2E: sig(p.E2EMsP50), E2E99: sig(p.E2EMsP99),
			Goodput: opt(p.GoodputTokensPerS), JPerGood: opt(p.JoulesPerGoodToken),
			Front: p.ParetoFront, Best: res.Best[p.Model] == p.Label, Attainment: dash,
		}
		if p.SLOAttainment != nil {
			row.Attainment = percentShort(*p.SLOAttainment)
		}
		if p.MeetsSLO != nil {
			row.HasMeets, row.Meets = true, *p.MeetsSLO
		}
		v.Rows = append(v.Rows, row)
	}
	for _, model := range slices.Sorted(maps.Keys(res.Best)) {
		v.Best = append(v.Best, fmt.Sprintf("%s: %s.", res.Best[model], res.BestReason()))
	}
	return v, nil
}

// percentShort writes a share as a percentage to three significant
// digits: 90 %, 31.2 %, 100 %.
func percentShort(f float64) string {
	return strconv.FormatFloat(100*f, 'g', 3, 64) + " %"
}
