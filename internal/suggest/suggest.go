// Package suggest finds the name a user probably meant: the "did you
// mean" of every error about an unknown key, kind or region.
package suggest

import "strings"

// Nearest returns the candidate closest to name, ignoring case, or ""
// when none is close enough to be a plausible typo: about one edit per
// three letters, and at least two. Ties go to the earlier candidate, so
// pass candidates sorted for stable messages.
func Nearest(name string, candidates []string) string {
	if name == "" {
		return ""
	}
	name = strings.ToLower(name)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := Distance(name, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(name)/3) {
		return ""
	}
	return best
}

// Distance is the optimal-string-alignment distance between a and b, in
// characters: insertions, deletions, substitutions and swaps of adjacent
// characters each cost one. The swap is the typo people make most
// ("modle"), so it counts as one edit, not the two Levenshtein counts.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows of the table suffice: d[i][j] is the distance between
	// ra[:i] and rb[:j], and a swap looks two rows back.
	back, prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], back[j-2]+1)
			}
		}
		back, prev, cur = prev, cur, back
	}
	return prev[len(rb)]
}
