package sim

import (
	"slices"
	"time"
)

// RequestTruth is one request's energy under the power model's own rule.
// Every running sequence adds the same WattsPerSeq, so at any instant the
// n running sequences share the draw equally: each is due 1/n of the
// whole (gross) and 1/n of what exceeds the idle draw (net; under the
// MaxWatts cap the dynamic part is what the cap leaves). Summed over the
// requests, the net figures are the modeled energy above idle while
// anything ran; the gross figures add the idle draw of those moments.
// Queued requests draw nothing and are due nothing.
type RequestTruth struct {
	ID           string // the response id (chatcmpl-…, cmpl-…)
	Model        string
	PromptTokens int
	OutputTokens int // tokens emitted; fewer than planned when aborted
	Aborted      bool
	// Admitted, FirstToken and Released bound the request's time in a
	// slot: prefill from admission to the first token, decode after.
	// FirstToken is zero when none was emitted.
	Admitted, FirstToken, Released time.Time

	Joules, NetJoules               float64 // admission to release, all GPUs
	PrefillJoules, NetPrefillJoules float64 // admission to the first token
}

// DecodeJoules is the gross energy after the first token.
func (t RequestTruth) DecodeJoules() float64 { return t.Joules - t.PrefillJoules }

// NetDecodeJoules is the net energy after the first token.
func (t RequestTruth) NetDecodeJoules() float64 { return t.NetJoules - t.NetPrefillJoules }

// RequestEnergy is the modeled energy of the request whose response
// carried id; false when no such request has finished yet, or it is older
// than the bounded history.
func (s *Server) RequestEnergy(id string) (RequestTruth, bool) {
	e := s.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	i, ok := e.truth.byID[id]
	if !ok {
		return RequestTruth{}, false
	}
	return e.truth.list[i-e.truth.dropped], true
}

// RequestEnergies is the modeled energy of every finished request kept,
// in the order they left their slots.
func (s *Server) RequestEnergies() []RequestTruth {
	e := s.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.truth.list)
}

// A seqMark reads the per-sequence energy accumulator at one instant; a
// sequence is due the difference between the marks at its two ends.
type seqMark struct {
	at         time.Time
	gross, net float64
}

// seqShares integrates the energy due to one running sequence: P/n and
// (P − idle)/n over every moment n > 0 sequences run. Guarded by
// engine.mu; advance it before every change of the running count.
type seqShares struct {
	last seqMark
}

func (s *seqShares) advance(now time.Time, running int, p powerModel) seqMark {
	if dt := now.Sub(s.last.at).Seconds(); dt > 0 {
		if running > 0 {
			n, w := float64(running), p.total(running)
			s.last.gross += w * dt / n
			s.last.net += (w - p.total(0)) * dt / n
		}
		s.last.at = now
	}
	return s.last
}

// defaultMaxTruths bounds the per-request history: 1<<18 records of about
// 150 bytes is some 40 MiB, more requests than a benchmark sends.
const defaultMaxTruths = 1 << 18

// requestLog keeps finished requests' truth, the oldest half dropped when
// it is full. Guarded by engine.mu.
type requestLog struct {
	list    []RequestTruth
	byID    map[string]int // index into list, plus dropped
	dropped int
	max     int
}

func newRequestLog() *requestLog {
	return &requestLog{byID: map[string]int{}, max: defaultMaxTruths}
}

func (l *requestLog) add(t RequestTruth) {
	l.byID[t.ID] = l.dropped + len(l.list)
	l.list = append(l.list, t)
	if len(l.list) > l.max {
		half := len(l.list) / 2
		for _, old := range l.list[:half] {
			delete(l.byID, old.ID)
		}
		l.list = slices.Clone(l.list[half:])
		l.dropped += half
	}
}
