//go:build race

package html

// raceEnabled: the race detector makes every memory access several times
// slower, so the long-run tests make fewer requests under it.
const raceEnabled = true
