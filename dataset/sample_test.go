package dataset

import (
	"fmt"
	"slices"
	"testing"
)

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

func TestShuffleIsSeeded(t *testing.T) {
	rows := numbered(100)
	take := func(seed int64, n int) []string {
		return sample(&Set{Source: "x"}, rows, Spec{Shuffle: true, Seed: seed, NumSamples: n}).Prompts
	}
	a, b := take(7, 0), take(7, 0)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave two orders")
	}
	if slices.Equal(a, take(8, 0)) {
		t.Error("seeds 7 and 8 gave the same order")
	}
	if slices.Equal(a, rows) {
		t.Error("shuffle left the rows in file order")
	}
	sorted := slices.Clone(a)
	slices.SortFunc(sorted, func(x, y string) int {
		var i, j int
		fmt.Sscan(x, &i)
		fmt.Sscan(y, &j)
		return i - j
	})
	if !slices.Equal(sorted, rows) {
		t.Error("shuffle is not a permutation of the rows")
	}
	if got := take(7, 10); !slices.Equal(got, a[:10]) {
		t.Errorf("num_samples 10 = %q, want the first 10 of the shuffled order %q", got, a[:10])
	}
	if rows[0] != "0" || rows[99] != "99" {
		t.Error("sample modified its input")
	}
	// The order for a seed is part of a run's reproducibility: if this
	// changes (a Go release changing math/rand/v2), runs with the same
	// seed no longer send the same prompts.
	if got, want := take(42, 5), []string{"69", "58", "96", "53", "49"}; !slices.Equal(got, want) {
		t.Errorf("seed 42 = %q, want %q", got, want)
	}
}

func TestNoShuffleKeepsFileOrder(t *testing.T) {
	got := sample(&Set{Source: "x"}, numbered(10), Spec{NumSamples: 3, Seed: 5}).Prompts
	if !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("got %q, want the first three rows", got)
	}
}
