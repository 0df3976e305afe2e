package promquery

import (
	"math"
	"testing"
)

func pts(tv ...float64) []point {
	out := make([]point, 0, len(tv)/2)
	for i := 0; i+1 < len(tv); i += 2 {
		out = append(out, point{tv[i], tv[i+1]})
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Every expected figure below is worked out by hand in its comment.
func TestCounterSpan(t *testing.T) {
	for _, tc := range []struct {
		name           string
		p              []point
		from, to       float64
		joules, lo, hi float64
		resets, gaps   int
		samples        int
		ok             bool
	}{
		// 10 J/s throughout; the edges fall between samples: 25 − 5.
		{"interpolated edges", pts(0, 0, 1, 10, 2, 20, 3, 30), 0.5, 2.5, 20, 0.5, 2.5, 0, 0, 2, true},
		// Unwrapped: 0, 10, 10+5 (restart, the value after the drop), 25.
		{"reset inside", pts(0, 100, 1, 110, 2, 5, 3, 15), 0, 3, 25, 0, 3, 1, 0, 4, true},
		// c(0.5) = 5, c(2.5) = 20; the reset interval (1, 2) is inside.
		{"reset, edges interpolated", pts(0, 100, 1, 110, 2, 5, 3, 15), 0.5, 2.5, 15, 0.5, 2.5, 1, 0, 2, true},
		// c(2.2) = 15 + 0.2×10 = 17, c(3) = 25: the reset is before the window.
		{"reset before window", pts(0, 100, 1, 110, 2, 5, 3, 15), 2.2, 3, 8, 2.2, 3, 0, 0, 1, true},
		// A drop to exactly zero is a reset that adds nothing.
		{"reset to zero", pts(0, 40, 1, 50, 2, 0, 3, 7), 0, 3, 17, 0, 3, 1, 0, 4, true},
		// Past the last sample the counter runs on at 10 J/s: c(3.5) = 35, c(1.5) = 15.
		{"extended past the end", pts(0, 0, 1, 10, 2, 20), 1.5, 3.5, 20, 1.5, 3.5, 0, 0, 1, true},
		// Extended by at most 3 spacings (to 5 s): 50 J over 5 of 10 s.
		{"coverage stops", pts(0, 0, 1, 10, 2, 20), 0, 10, 50, 0, 5, 0, 1, 3, true},
		// Spacings 1, 4, 1: median 1, so the 4 s hole is a gap; 10 J/s → 60 J.
		{"gap", pts(0, 0, 1, 10, 5, 50, 6, 60), 0, 6, 60, 0, 6, 0, 1, 4, true},
		{"window far after the samples", pts(0, 0, 1, 10, 2, 20), 10, 20, 0, 0, 0, 0, 0, 0, false},
		{"one sample", pts(0, 10), 0, 1, 0, 0, 0, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := counterSpan(tc.p, tc.from, tc.to)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if !near(s.joules, tc.joules) || s.lo != tc.lo || s.hi != tc.hi {
				t.Errorf("joules %v over [%v, %v], want %v over [%v, %v]", s.joules, s.lo, s.hi, tc.joules, tc.lo, tc.hi)
			}
			if s.resets != tc.resets || s.gaps != tc.gaps || s.samples != tc.samples {
				t.Errorf("resets %d gaps %d samples %d, want %d %d %d", s.resets, s.gaps, s.samples, tc.resets, tc.gaps, tc.samples)
			}
		})
	}
}

func TestGaugeSpan(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        []point
		from, to float64
		joules   float64
		lo, hi   float64
		ok       bool
	}{
		// w(0.5) = 150: (150+200)/2×0.5 + (200+200)/2×1 = 87.5 + 200.
		{"interpolated start", pts(0, 100, 1, 200, 2, 200), 0.5, 2, 287.5, 0.5, 2, true},
		// Whole samples: (100+200)/2 + (200+400)/2 = 150 + 300.
		{"on samples", pts(0, 100, 1, 200, 2, 400), 0, 2, 450, 0, 2, true},
		// Held at 100 W one second before and after: 3 s × 100 W.
		{"held beyond", pts(0, 100, 1, 100), -1, 2, 300, -1, 2, true},
		// Held at most 3 spacings past the last sample: 100 W × (1 + 3).
		{"coverage stops", pts(0, 100, 1, 100), 0, 10, 400, 0, 4, true},
		// Between samples: w(1.25) = 250, w(1.75) = 350: (250+350)/2 × 0.5.
		{"inside one interval", pts(0, 100, 1, 200, 2, 400), 1.25, 1.75, 150, 1.25, 1.75, true},
		{"one sample", pts(0, 100), 0, 1, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := gaugeSpan(tc.p, tc.from, tc.to)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && (!near(s.joules, tc.joules) || s.lo != tc.lo || s.hi != tc.hi) {
				t.Errorf("joules %v over [%v, %v], want %v over [%v, %v]", s.joules, s.lo, s.hi, tc.joules, tc.lo, tc.hi)
			}
		})
	}
}

func TestSpanPlus(t *testing.T) {
	a := span{joules: 10, lo: 0, hi: 5, samples: 3, resets: 1, maxGap: 1, gaps: 0}
	b := span{joules: 2.5, lo: 1, hi: 6, samples: 4, resets: 0, maxGap: 2, gaps: 1}
	got := a.plus(b)
	want := span{joules: 12.5, lo: 1, hi: 5, samples: 7, resets: 1, maxGap: 2, gaps: 1}
	if got != want {
		t.Errorf("plus = %+v, want %+v", got, want)
	}
}
