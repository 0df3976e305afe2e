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
// this fraction of its length is dropped from a fit.
const collinear = 1e-9

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
