package analysis

import (
	"fmt"
	"math"

	"github.com/aienergy/aienergy/trace"
)

// A streamed answer's text chunks bound its output tokens. vLLM, TGI,
// SGLang, llama.cpp and Ollama send one token per chunk, speculative
// decoding up to k+1 (k ≤ 7 in practice); tokens that show no text
// (special tokens, a held-back stop string or partial UTF-8) add a few.
// So a server's completion count above maxTokensPerChunk × chunks +
// tokenSlack, or of 0 for a stream that carried text, does not describe
// that stream: a broken usage report, or a count of something else.
const (
	maxTokensPerChunk = 8
	tokenSlack        = 16
)

// CheckUsage replaces, in place, the output token counts of streamed
// requests that their stream contradicts by the chunk count (one token
// per chunk, the common case) and marks them estimated; it returns one
// warning per model that had such requests. Answers that came whole
// cannot be checked: token totals saturate instead of overflowing (see
// SaturatingAdd). A proxy that buffers the stream into large chunks
// (Azure's content filter) trips the check: the warning says so.
// Running it again changes nothing, as a count it has replaced fits its
// stream. Analyze makes the same check and the same warnings in its own
// pass, without changing its records; CorrectUsage gives records that a
// pass reads afresh corrected.
func CheckUsage(reqs []trace.Request) []string {
	var u usageCheck
	for i := range reqs {
		u.check(&reqs[i])
	}
	return u.warnings()
}

// usageCheck is CheckUsage one record at a time: it tallies, per model,
// the streamed requests and those whose usage their stream contradicts,
// and remembers the first of these as it was reported.
type usageCheck struct {
	byModel map[string]*usageTally
	order   []string // models in order of their first streamed request
}

type usageTally struct {
	bad, streamed int
	first         string
}

// check tallies r and corrects it (fitUsage).
func (u *usageCheck) check(r *trace.Request) {
	if !r.Streamed {
		return
	}
	t := u.byModel[r.Model]
	if t == nil {
		if u.byModel == nil {
			u.byModel = map[string]*usageTally{}
		}
		t = &usageTally{}
		u.byModel[r.Model] = t
		u.order = append(u.order, r.Model)
	}
	t.streamed++
	if usagePlausible(*r) {
		return
	}
	t.bad++
	if t.first == "" {
		t.first = fmt.Sprintf("request %d: %d output tokens for %d text chunks", r.ID, r.OutputTokens, r.ContentChunks())
	}
	fitUsage(r)
}

// warnings words one warning per model that had contradicted usage.
func (u *usageCheck) warnings() []string {
	var warnings []string
	for _, m := range u.order {
		if t := u.byModel[m]; t.bad > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: %d of %d streamed requests report output tokens their stream contradicts (%s; more than %d per chunk + %d, or 0 with text): their output tokens are estimated as one per chunk (a proxy that buffers the stream into large chunks also trips this)",
				m, t.bad, t.streamed, t.first, maxTokensPerChunk, tokenSlack))
		}
	}
	return warnings
}

// fitUsage replaces the output count of a streamed request whose stream
// contradicts it by its chunk count, marked estimated.
func fitUsage(r *trace.Request) {
	if !r.Streamed || usagePlausible(*r) {
		return
	}
	r.OutputTokens = r.ContentChunks()
	r.ReasoningTokens = min(max(r.ReasoningTokens, 0), r.OutputTokens)
	r.TokensEstimated = true
}

// CorrectUsage is reqs with the token counts CheckUsage corrects
// corrected, record by record at each pass: records read afresh from a
// run directory at every pass cannot be corrected once, in place. Analyze
// computes its figures from the corrected counts; whatever is written
// from the records after it (per-request files, sinks) should read them
// through CorrectUsage to agree.
func CorrectUsage(reqs trace.Requests) trace.Requests {
	if reqs == nil {
		return nil
	}
	return correctedUsage{reqs}
}

type correctedUsage struct{ trace.Requests }

func (c correctedUsage) Each(fn func(trace.Request) error) error {
	return c.Requests.Each(func(r trace.Request) error {
		fitUsage(&r)
		return fn(r)
	})
}

// usagePlausible reports whether a streamed request's output count could
// describe its chunks. Reasoning tokens a server keeps hidden stream no
// text, so only the rest is held against the chunks.
func usagePlausible(r trace.Request) bool {
	n, chunks := r.OutputTokens, r.ContentChunks()
	switch {
	case n < 0 || r.ReasoningTokens < 0 || r.ReasoningTokens > n:
		return false
	case n == 0:
		return chunks == 0
	}
	return n-r.ReasoningTokens <= maxTokensPerChunk*chunks+tokenSlack
}

// SaturatingAdd adds two counts, stopping at the largest int instead of
// wrapping to a negative total: one absurd count (a server reporting
// MaxInt64 tokens) must not turn a run's J/token negative.
func SaturatingAdd(a, b int) int {
	switch {
	case b > 0 && a > math.MaxInt-b:
		return math.MaxInt
	case b < 0 && a < math.MinInt-b:
		return math.MinInt
	}
	return a + b
}
