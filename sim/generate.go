package sim

import (
	"context"
	"time"
)

// A job is one accepted request's planned generation.
type job struct {
	id           string // the response id, which names its RequestTruth
	model        string
	created      int64 // Unix seconds, for the response objects
	promptTokens int
	outputTokens int    // completion_tokens, end-of-sequence token included
	finish       string // finishStop or finishLength
	words        uint64 // seeds the generated words
}

// text is the text of token i. A natural stop ends with an end-of-sequence
// token that, as in vLLM, is counted but decodes to nothing.
func (j *job) text(i int) string {
	if j.finish == finishStop && i == j.outputTokens-1 {
		return ""
	}
	return tokenText(j.words, i)
}

// usage is the job's token accounting once it has finished.
func (j *job) usage() usageInfo {
	return usageInfo{
		PromptTokens:     j.promptTokens,
		CompletionTokens: j.outputTokens,
		TotalTokens:      j.promptTokens + j.outputTokens,
	}
}

// run takes j through the engine: queue for a slot, prefill for TTFT, then
// emit a token every ITL. emit gets each token as it is produced; an emit
// error (the client is gone) or ctx ending stops the job and frees its slot
// at once, so its power contribution stops too.
//
// The request's share of the modeled energy is recorded under j.id as it
// leaves its slot (see RequestTruth); a request that never got a slot drew
// nothing and is not recorded.
func (s *Server) run(ctx context.Context, j *job, emit func(i int, text string) error) error {
	admitted, err := s.engine.acquireSeq(ctx, j.model, func() { s.traceEvent(traceQueued, j.model, 0) })
	if err != nil {
		s.engine.countFinished(j.model, finishAbort)
		return err
	}
	s.traceEvent(traceAdmitted, j.model, 0)
	var first seqMark
	emitted := 0
	err = s.decode(ctx, j, func(m seqMark) { first = m }, func(i int, text string) error {
		emitted = i + 1
		return emit(i, text)
	})
	if err == nil {
		s.traceEvent(traceFinished, j.model, j.outputTokens)
		s.engine.countFinished(j.model, j.finish)
	} else {
		s.engine.countFinished(j.model, finishAbort)
	}
	released := s.engine.releaseSeq(j.model)
	s.engine.recordTruth(newTruth(j, err != nil, emitted, admitted, first, released))
	return err
}

// newTruth is a finished job's share of the energy between its marks.
func newTruth(j *job, aborted bool, emitted int, admitted, first, released seqMark) RequestTruth {
	t := RequestTruth{
		ID: j.id, Model: j.model, PromptTokens: j.promptTokens, OutputTokens: emitted, Aborted: aborted,
		Admitted: admitted.at, FirstToken: first.at, Released: released.at,
		Joules: released.gross - admitted.gross, NetJoules: released.net - admitted.net,
	}
	if !first.at.IsZero() {
		t.PrefillJoules, t.NetPrefillJoules = first.gross-admitted.gross, first.net-admitted.net
	} else {
		// No first token: the whole stay was prefill.
		t.PrefillJoules, t.NetPrefillJoules = t.Joules, t.NetJoules
	}
	return t
}

// decode emits j's tokens on schedule; prefilled gets the energy mark
// where prefill ends, as the first token is made.
func (s *Server) decode(ctx context.Context, j *job, prefilled func(seqMark), emit func(i int, text string) error) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// Tokens are due on an absolute schedule — TTFT after the start, then
	// one every ITL, each slowed by a power limit or locked clock — so that
	// timer and scheduling delays do not add up: the configured latencies
	// are what a client measures on average.
	due := time.Now()
	for i := range j.outputTokens {
		due = due.Add(s.engine.stepTime(s.cfg, i))
		if err := sleep(ctx, timer, time.Until(due)); err != nil {
			return err
		}
		if i == 0 {
			// vLLM counts the prompt once prefill is done.
			prefilled(s.engine.countPrompt(j.model, j.promptTokens))
		}
		s.engine.countGenerated(j.model)
		s.traceEvent(traceToken, j.model, i)
		if err := emit(i, j.text(i)); err != nil {
			return err
		}
	}
	return nil
}

// sleep waits d on timer unless ctx ends first.
func sleep(ctx context.Context, timer *time.Timer, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		timer.Stop()
		return ctx.Err()
	}
}

// Trace events let internal tests observe, and pause, the engine in causal
// order. Production servers have no tracer.
type traceKind int

const (
	traceQueued   traceKind = iota // waiting for a slot
	traceAdmitted                  // holds a slot
	traceToken                     // token number n is about to be sent
	traceFinished                  // all n tokens sent, slot about to be freed
)

type traceEvent struct {
	kind  traceKind
	model string
	n     int
}

func (s *Server) traceEvent(kind traceKind, model string, n int) {
	if s.tracer != nil {
		s.tracer(traceEvent{kind: kind, model: model, n: n})
	}
}
