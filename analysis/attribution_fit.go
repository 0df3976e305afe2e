package analysis

import "math"

// EnergyFit is the least-squares line of energy per request against its
// prompt and output tokens: J ≈ intercept + a·prompt + b·output. A
// coefficient is null when the requests cannot tell it apart from the
// others (every prompt the same length, say: then the intercept holds the
// prompt's energy).
type EnergyFit struct {
	Requests             int      `json:"requests"`
	JoulesPerPromptToken *float64 `json:"joules_per_prompt_token"`
	JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
	InterceptJ           *float64 `json:"intercept_j"`
	R2                   *float64 `json:"r2"` // null when every request's energy is the same (to 9 digits)
}

// collinear: a column whose part independent of those before it is below
// this fraction of its length is dropped from a fit. Sums (fitTally past
// its exact points) carry the columns' products, squared lengths, and so
// only half the digits: they drop a column below momentCollinear² of its
// squared length.
const (
	collinear       = 1e-9
	momentCollinear = 1e-6
)

// A fitTally gathers the points of fitEnergy one at a time. While there
// are at most exact of them it keeps them, and its fit is fitEnergy's,
// exactly; past that it keeps only their means and the sums of their
// centred products (updated as Welford's), and solves the normal
// equations: the same least squares, within rounding, in fixed memory.
type fitTally struct {
	exact             int
	prompt, output, y []float64 // every point, while n ≤ exact
	n                 int
	mp, mo, my        float64 // means
	cpp, coo, cyy     float64 // Σ (x − mean x)² for each
	cpo, cpy, coy     float64 // Σ of the centred cross products
}

func newFitTally(exact int) *fitTally { return &fitTally{exact: exact} }

// add counts one request: its prompt and output tokens, its energy.
func (t *fitTally) add(p, o, y float64) {
	t.n++
	if t.n <= t.exact {
		t.prompt, t.output, t.y = append(t.prompt, p), append(t.output, o), append(t.y, y)
	} else {
		t.prompt, t.output, t.y = nil, nil, nil
	}
	n := float64(t.n)
	dp, do, dy := p-t.mp, o-t.mo, y-t.my
	t.mp, t.mo, t.my = t.mp+dp/n, t.mo+do/n, t.my+dy/n
	ep, eo, ey := p-t.mp, o-t.mo, y-t.my
	t.cpp, t.coo, t.cyy = t.cpp+dp*ep, t.coo+do*eo, t.cyy+dy*ey
	t.cpo, t.cpy, t.coy = t.cpo+dp*eo, t.cpy+dp*ey, t.coy+do*ey
}

// fit is fitEnergy of the points added.
func (t *fitTally) fit() EnergyFit {
	if t.n <= t.exact {
		return fitEnergy(t.prompt, t.output, t.y)
	}
	return t.moments()
}

// moments is fitEnergy from the sums: the intercept is the means' rest
// once the slopes, solved from the centred normal equations, are taken
// off. A column is dropped as fitEnergy drops it: when its part
// independent of the columns before it (the intercept, then prompt) is
// too small against its length.
func (t *fitTally) moments() EnergyFit {
	fit := EnergyFit{Requests: t.n}
	n := float64(t.n)
	tiny := momentCollinear * momentCollinear
	// A column's squared length is its centred sum plus n × mean².
	keepP := t.cpp > tiny*(t.cpp+n*t.mp*t.mp)
	restO := t.coo
	if keepP {
		restO -= t.cpo * t.cpo / t.cpp
	}
	keepO := restO > tiny*(t.coo+n*t.mo*t.mo)
	kept := 1
	for _, k := range []bool{keepP, keepO} {
		if k {
			kept++
		}
	}
	if t.n <= kept {
		return fit // as many unknowns as requests: any line fits exactly
	}
	var a, b float64
	switch {
	case keepP && keepO:
		det := t.cpp*t.coo - t.cpo*t.cpo
		a = (t.coo*t.cpy - t.cpo*t.coy) / det
		b = (t.cpp*t.coy - t.cpo*t.cpy) / det
		fit.JoulesPerPromptToken, fit.JoulesPerOutputToken = &a, &b
	case keepP:
		a = t.cpy / t.cpp
		fit.JoulesPerPromptToken = &a
	case keepO:
		b = t.coy / t.coo
		fit.JoulesPerOutputToken = &b
	}
	c := t.my - a*t.mp - b*t.mo
	fit.InterceptJ = &c
	// The explained part of the centred sum of squares is the slopes
	// against the cross products; what is left is the residual.
	ssTot := t.cyy
	ssRes := max(0, t.cyy-a*t.cpy-b*t.coy)
	// Energies equal to 9 digits differ by rounding only: nothing to explain.
	if ssTot > collinear*collinear*(t.cyy+n*t.my*t.my) {
		r2 := 1 - ssRes/ssTot
		fit.R2 = &r2
	}
	return fit
}

// fitEnergy fits y[i] ≈ c0 + c1·prompt[i] + c2·output[i] by least squares,
// by modified Gram–Schmidt on the columns in that order, dropping a column
// that the earlier ones already explain.
func fitEnergy(prompt, output, y []float64) EnergyFit {
	n := len(y)
	fit := EnergyFit{Requests: n}
	cols := [][]float64{make([]float64, n), append([]float64(nil), prompt...), append([]float64(nil), output...)}
	for i := range n {
		cols[0][i] = 1
	}
	// q are the kept columns made orthonormal; r[j][m] is column j's
	// component along q[m] (the R of X = QR), for the kept ones.
	var q [][]float64
	var kept []int
	r := [3][3]float64{}
	for j, col := range cols {
		norm0 := math.Sqrt(dot(col, col))
		for m, qm := range q {
			c := dot(qm, col)
			r[j][m] = c
			for i := range col {
				col[i] -= c * qm[i]
			}
		}
		norm := math.Sqrt(dot(col, col))
		if norm0 == 0 || norm <= collinear*norm0 {
			continue
		}
		for i := range col {
			col[i] /= norm
		}
		r[j][len(q)] = norm
		q = append(q, col)
		kept = append(kept, j)
	}
	if n <= len(kept) {
		return fit // as many unknowns as requests: any line fits exactly
	}
	// Solve R·c = Qᵀy, R upper triangular in the kept columns' order.
	qty := make([]float64, len(q))
	for m, qm := range q {
		qty[m] = dot(qm, y)
	}
	coef := make([]float64, len(kept))
	for m := len(kept) - 1; m >= 0; m-- {
		v := qty[m]
		for l := m + 1; l < len(kept); l++ {
			v -= r[kept[l]][m] * coef[l]
		}
		coef[m] = v / r[kept[m]][m]
	}
	for m, j := range kept {
		v := coef[m]
		switch j {
		case 0:
			fit.InterceptJ = &v
		case 1:
			fit.JoulesPerPromptToken = &v
		case 2:
			fit.JoulesPerOutputToken = &v
		}
	}
	mean := 0.0
	for _, v := range y {
		mean += v / float64(n)
	}
	var ssRes, ssTot, ssY float64
	for i, v := range y {
		pred := 0.0
		for m, j := range kept {
			x := 1.0
			switch j {
			case 1:
				x = prompt[i]
			case 2:
				x = output[i]
			}
			pred += coef[m] * x
		}
		ssRes += (v - pred) * (v - pred)
		ssTot += (v - mean) * (v - mean)
		ssY += v * v
	}
	// Energies equal to 9 digits differ by rounding only: nothing to explain.
	if ssTot > collinear*collinear*ssY {
		r2 := 1 - ssRes/ssTot
		fit.R2 = &r2
	}
	return fit
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
