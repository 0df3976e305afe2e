package sim

import (
	"context"
	"time"
)

// A job is one accepted request's planned generation.
type job struct {
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
func (s *Server) run(ctx context.Context, j *job, emit func(i int, text string) error) error {
	err := s.engine.acquire(ctx, j.model, func() { s.traceEvent(traceQueued, j.model, 0) })
	if err != nil {
		s.engine.countFinished(j.model, finishAbort)
		return err
	}
	s.traceEvent(traceAdmitted, j.model, 0)
	err = s.decode(ctx, j, emit)
	if err == nil {
		s.traceEvent(traceFinished, j.model, j.outputTokens)
		s.engine.countFinished(j.model, j.finish)
	} else {
		s.engine.countFinished(j.model, finishAbort)
	}
	s.engine.release(j.model)
	return err
}

func (s *Server) decode(ctx context.Context, j *job, emit func(i int, text string) error) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// Tokens are due on an absolute schedule — TTFT after the start, then
	// one every ITL — so that timer and scheduling delays do not add up:
	// the configured latencies are what a client measures on average.
	start := time.Now()
	for i := range j.outputTokens {
		due := start.Add(s.cfg.TTFT + time.Duration(i)*s.cfg.ITL)
		if err := sleep(ctx, timer, time.Until(due)); err != nil {
			return err
		}
		if i == 0 {
			// vLLM counts the prompt once prefill is done.
			s.engine.countPrompt(j.model, j.promptTokens)
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
