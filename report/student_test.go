package report

import (
	"math"
	"testing"
)

// Table values are the printed two-sided 95 % critical values of
// Student's t (any statistics textbook), to three decimals; df 1 and 2
// have closed forms, t = tan(0.475π) and t = √(2/(p(2−p)) − 2) with
// p = 0.05; a huge df tends to the normal quantile √2·erfinv(0.95).
func TestTQuantile95(t *testing.T) {
	tests := []struct {
		df   int
		want float64
		tol  float64
	}{
		{1, math.Tan(0.475 * math.Pi), 1e-9},
		{2, math.Sqrt(2/(0.05*1.95) - 2), 1e-9},
		{1, 12.706, 5e-4},
		{2, 4.303, 5e-4},
		{10, 2.228, 5e-4},
		{30, 2.042, 5e-4},
		{40, 2.021, 5e-4},
		{60, 2.000, 5e-4},
		{120, 1.980, 5e-4},
		{1000, 1.962, 5e-4},
		{1_000_000, math.Sqrt2 * math.Erfinv(0.95), 1e-5},
	}
	for _, tt := range tests {
		if got := tQuantile95(tt.df); math.Abs(got-tt.want) > tt.tol {
			t.Errorf("tQuantile95(%d) = %.6f, want %.6f ± %g", tt.df, got, tt.want, tt.tol)
		}
	}
	if got := tQuantile95(0); !math.IsNaN(got) {
		t.Errorf("tQuantile95(0) = %v, want NaN", got)
	}
}

// 41 repetitions, twenty at −1, one at 0, twenty at +1: mean 0, sample
// std √(40/40) = 1, so the 95 % CI is ±t(40)/√41 = ±2.021/6.4031 =
// ±0.3156 — not the normal ±1.96/√41 = ±0.3061.
func TestSpreadUsesStudentAbove30(t *testing.T) {
	xs := []float64{0}
	for range 20 {
		xs = append(xs, -1, 1)
	}
	s := spread(xs)
	want := 2.021 / math.Sqrt(41)
	if s.Mean != 0 || *s.Std != 1 || math.Abs(*s.CI95High-want) > 1e-4 || math.Abs(*s.CI95Low+want) > 1e-4 {
		t.Errorf("spread of 41 = mean %v, std %v, CI [%v, %v]; want 0, 1, ±%.4f", s.Mean, *s.Std, *s.CI95Low, *s.CI95High, want)
	}
}
