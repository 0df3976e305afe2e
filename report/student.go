package report

import "math"

// tQuantile95 is the two-sided 95 % quantile of Student's t distribution
// with df degrees of freedom: the t with P(|T| > t) = 0.05. The normal
// 1.96 is 3 % short at 40 degrees of freedom and still 0.1 % at 1000, so
// the quantile is solved for at every df rather than tabled.
//
// P(|T| > t) = I_x(df/2, 1/2) with x = df/(df+t²), the regularized
// incomplete beta function, which grows with x; bisection finds the x
// where it is 0.05.
func tQuantile95(df int) float64 {
	if df < 1 {
		return math.NaN()
	}
	a := float64(df) / 2
	lo, hi := 0.0, 1.0
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if regIncBeta(mid, a, 0.5) < 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	x := (lo + hi) / 2
	return math.Sqrt(float64(df) * (1 - x) / x)
}

// regIncBeta is the regularized incomplete beta function I_x(a, b) for
// 0 < x < 1, by its continued fraction (Numerical Recipes, betai), taken
// on the side of x where it converges fast.
func regIncBeta(x, a, b float64) float64 {
	lab, _ := math.Lgamma(a + b)
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	if x < (a+1)/(a+b+2) {
		return front * betaContinuedFraction(x, a, b) / a
	}
	return 1 - front*betaContinuedFraction(1-x, b, a)/b
}

// betaContinuedFraction evaluates the continued fraction of I_x(a, b) by
// the modified Lentz method.
func betaContinuedFraction(x, a, b float64) float64 {
	const tiny, eps = 1e-300, 1e-15
	guard := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c, d := 1.0, 1/guard(1-(a+b)*x/(a+1))
	h := d
	for m := 1; m <= 10000; m++ {
		fm := float64(m)
		even := fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm))
		d = 1 / guard(1+even*d)
		c = guard(1 + even/c)
		h *= d * c
		odd := -(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))
		d = 1 / guard(1+odd*d)
		c = guard(1 + odd/c)
		step := d * c
		h *= step
		if math.Abs(step-1) < eps {
			break
		}
	}
	return h
}
