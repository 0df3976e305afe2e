package meter

import "strings"

// nearest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a plausible typo. Ties go to the earlier
// candidate, so pass candidates sorted for stable messages.
func nearest(s string, candidates []string) string {
	if s == "" {
		return ""
	}
	s = strings.ToLower(s)
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(s, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	// Allow about one typo per three letters, and at least two.
	limit := max(2, len(s)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
