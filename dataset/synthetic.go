package dataset

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

const (
	syntheticPrefix = "synthetic:"
	// defaultSyntheticSamples is the number of synthetic prompts made when
	// NumSamples is 0.
	defaultSyntheticSamples = 1000
	// maxSyntheticTokens bounds a prompt's length so that a typo cannot
	// ask for gigabytes of prompts.
	maxSyntheticTokens = 1 << 20
)

// syntheticWords are short, common English words that BPE tokenizers
// usually encode as one token each after a space.
var syntheticWords = strings.Fields(`
the of and to in is was for on are with as at be by this had not but from
or have an they which one you were all we her she there been their has
would will what if can when so no said who more about up out them some
could time into only other then its than two like do first now people any
may way my new these over also after did many most very well just where
year make through back much before good how even our long day man same
world last own still work life side few here great old under state never
high end small down every must place found part water light between house
city left night book point name hand land read home far play line
word right help tree open food real start sound free green blue red stone
river sea fire cold warm dark power energy plan table rule story song
game team money group music friend family school market field paper
road car door window board page picture child woman king model value
number order air ground wind rain snow sun moon star bird fish horse
dog cat egg milk bread salt gold iron glass wood cloud hill lake island
`)

// parseSynthetic reads "synthetic:<input_tokens>".
func parseSynthetic(name string) (int, error) {
	s := strings.TrimPrefix(name, syntheticPrefix)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("dataset %q: want synthetic:<input tokens> with a whole number of at least 1, such as synthetic:512", name)
	}
	return n, nil
}

// synthetic makes NumSamples prompts (default 1000) of n words.
func synthetic(spec Spec, n int) (*Set, error) {
	if n < 1 || n > maxSyntheticTokens {
		return nil, fmt.Errorf("synthetic prompts: input length %d is out of range; give 1 to %d tokens", n, maxSyntheticTokens)
	}
	count := spec.NumSamples
	if count <= 0 {
		count = defaultSyntheticSamples
	}
	prompts := make([]string, count)
	for i := range prompts {
		prompts[i] = SyntheticPrompt(spec.Seed, n, i)
	}
	return &Set{Prompts: prompts, Source: fmt.Sprintf("synthetic:%d", n), Rows: count}, nil
}

// SyntheticPrompt returns synthetic prompt number i of n words for a
// seed: the same arguments give the same prompt, and no two indexes give
// prompts with the same first word. It lets a runner that sends more
// requests than a Set holds make a fresh prompt for every request.
func SyntheticPrompt(seed int64, n, i int) string {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
	var b strings.Builder
	b.Grow(n * 6)
	// The id leads so that prompts differ from their first token; the
	// index in it makes ids unique even if the random part repeats.
	fmt.Fprintf(&b, "%08x-%d", r.Uint32(), i)
	for range n - 1 {
		b.WriteByte(' ')
		b.WriteString(syntheticWords[r.IntN(len(syntheticWords))])
	}
	return b.String()
}
