package trace

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The sweep over intervals in completion order, holding only a window of
// events, finds at every event time the count a sort of every event
// finds: ends before starts at equal times, so back-to-back intervals
// never count twice.
func TestSweepIsTheSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type iv struct{ start, end float64 }
	var ivs []iv
	for i := range 2000 {
		start := float64(i) * 0.01
		ivs = append(ivs, iv{start, start + 0.05 + rng.Float64()*0.5})
	}
	ivs = append(ivs, iv{30, 31}, iv{31, 32}) // back to back
	slices.SortFunc(ivs, func(a, b iv) int {  // completion order
		switch {
		case a.end < b.end:
			return -1
		case a.end > b.end:
			return 1
		}
		return 0
	})
	var bounds OrderBounds
	for _, v := range ivs {
		bounds.Add(v.start, v.end)
	}
	got := map[float64]int{}
	var times []float64
	sw := Sweep{Window: bounds.Window(), At: func(t float64, open int) { got[t] = open; times = append(times, t) }}
	for _, v := range ivs {
		sw.Add(v.start, v.end)
	}
	sw.Finish()
	if !slices.IsSorted(times) {
		t.Fatal("event times out of order")
	}
	for _, at := range times {
		want := 0
		for _, v := range ivs {
			if v.start <= at && at < v.end {
				want++
			}
		}
		if got[at] != want {
			t.Fatalf("at %v: %d in flight, want %d", at, got[at], want)
		}
	}
	if got[31] != 1 {
		t.Errorf("at 31, where one interval ends and the next starts: %d in flight, want 1", got[31])
	}
}
