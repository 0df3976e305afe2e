package dataset

import (
	"fmt"
	"math/rand/v2"
)

// shuffleStream is the PCG stream for shuffles; fixed so that a seed
// alone decides the order.
const shuffleStream = 0x61692d656e657267 // "ai-energ"

// sample fills set from rows: shuffled when asked, then cut to
// NumSamples. rows is not modified.
func sample(set *Set, rows []string, spec Spec) *Set {
	set.Rows = len(rows)
	out := append([]string(nil), rows...)
	if spec.Shuffle {
		r := rand.New(rand.NewPCG(uint64(spec.Seed), shuffleStream))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	if n := spec.NumSamples; n > 0 {
		if n < len(out) {
			out = out[:n]
		} else if n > len(out) {
			set.Warnings = append(set.Warnings, fmt.Sprintf(
				"%s has %d prompts, fewer than num_samples %d: all are used and requests cycle through them",
				set.Source, len(out), n))
		}
	}
	set.Prompts = out
	return set
}
