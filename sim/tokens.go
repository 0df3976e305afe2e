package sim

import (
	"encoding/binary"
	"hash/fnv"
	"unicode"
)

// countTokens is the stand-in tokenizer described in the package comment:
// runs of word characters and single punctuation or symbol characters.
func countTokens(text string) int {
	n := 0
	inWord := false
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			inWord = false
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			n++
			inWord = false
		case !inWord:
			n++
			inWord = true
		}
	}
	return n
}

// Chat template overhead, as in OpenAI's token-counting recipe: each
// message is wrapped in role markers, and the reply is primed.
const (
	tokensPerMessage = 4
	tokensReplyPrime = 3
)

// Finish reasons, as vLLM reports them.
const (
	finishStop   = "stop"
	finishLength = "length"
	finishAbort  = "abort" // client gone; only in vllm:request_success_total
)

// outputLength applies the output-length rule of the package comment:
// h picks a length in [minTokens, maxTokens]; reaching maxTokens is a cut
// ("length"), anything shorter is a natural end of sequence ("stop").
// Callers guarantee 0 <= minTokens <= maxTokens and maxTokens >= 1.
func outputLength(h uint64, minTokens, maxTokens int, ignoreEOS bool) (int, string) {
	if ignoreEOS {
		return maxTokens, finishLength
	}
	lo := max(minTokens, 1)
	n := lo + int(h%uint64(maxTokens-lo+1))
	if n == maxTokens {
		return n, finishLength
	}
	return n, finishStop
}

// promptHash identifies a request's content for the deterministic choices.
func promptHash(seed int64, model string, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(model))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum64()
}

// splitmix64 spreads a counter into well-mixed bits.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// vocabulary holds the words the simulated model writes, one per token.
var vocabulary = [...]string{
	"the", "energy", "of", "a", "model", "is", "measured", "per", "token",
	"and", "power", "draw", "depends", "on", "load", "GPU", "watts", "joules",
	"batch", "decode", "prefill", "memory", "bandwidth", "cache", "layer",
	"attention", "tensor", "kernel", "clock", "heat", "cooling", "rack",
	"server", "request", "latency", "throughput", "queue", "sequence", "prompt",
	"output", "efficient", "idle", "baseline", "window", "counter", "sample",
	"carbon", "grid", "intensity", "per", "hour", "query", "image", "text",
	"fast", "slow", "steady", "peak", "average", "total", "net", "gross",
	"time", "run",
}

// tokenText is the text of token i of an output seeded by h.
func tokenText(h uint64, i int) string {
	return vocabulary[splitmix64(h+uint64(i))%uint64(len(vocabulary))] + " "
}
