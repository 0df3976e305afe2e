package sim

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"testing"
	"time"
)

// A truthEvent moves the fake clock, then admits a request, ends its
// prefill or releases it.
type truthEvent struct {
	after time.Duration
	kind  string // "admit", "first", "release"
	req   string
}

// replayTruth drives the engine through events and returns each request's
// truth as run would record it.
func replayTruth(t *testing.T, cfg Config, events []truthEvent) map[string]RequestTruth {
	t.Helper()
	clk := newFakeClock()
	s, err := newServer(cfg, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	model := s.cfg.Models[0]
	admitted, first := map[string]seqMark{}, map[string]seqMark{}
	for _, ev := range events {
		clk.advance(ev.after)
		switch ev.kind {
		case "admit":
			m, err := s.engine.acquireSeq(context.Background(), model, nil)
			if err != nil {
				t.Fatal(err)
			}
			admitted[ev.req] = m
		case "first":
			first[ev.req] = s.engine.countPrompt(model, 1)
		case "release":
			j := &job{id: ev.req, model: model}
			released := s.engine.releaseSeq(model)
			s.engine.recordTruth(newTruth(j, false, 0, admitted[ev.req], first[ev.req], released))
		}
	}
	out := map[string]RequestTruth{}
	for _, r := range s.RequestEnergies() {
		got, ok := s.RequestEnergy(r.ID)
		if !ok || got != r {
			t.Errorf("RequestEnergy(%q) = %+v, %v; RequestEnergies has %+v", r.ID, got, ok, r)
		}
		out[r.ID] = r
	}
	return out
}

// The energy due to each request, worked out by hand from the power model:
// at every instant the running sequences share the draw equally.
func TestRequestTruthSharesPowerEqually(t *testing.T) {
	const sec = time.Second
	type want struct{ gross, net, prefill, netPrefill float64 }
	tests := []struct {
		name   string
		cfg    Config
		events []truthEvent
		want   map[string]want
	}{
		{
			// A runs alone 0–2 s (85 W, 25 W above idle), with B 2–4 s
			// (110 W: 55 W and 25 W each), B alone 4–6 s. A's prefill is
			// 0–1 s; B's 2–5 s.
			name: "overlap",
			events: []truthEvent{
				{0, "admit", "A"}, {sec, "first", "A"}, {sec, "admit", "B"},
				{2 * sec, "release", "A"}, {sec, "first", "B"}, {sec, "release", "B"},
			},
			want: map[string]want{
				"A": {gross: 2*85 + 2*55, net: 4 * 25, prefill: 85, netPrefill: 25},
				"B": {gross: 2*55 + 2*85, net: 4 * 25, prefill: 2*55 + 85, netPrefill: 3 * 25},
			},
		},
		{
			// Three sequences under a 100 W cap: 40 W above idle, a third each.
			name: "cap",
			cfg:  Config{MaxWatts: 100},
			events: []truthEvent{
				{0, "admit", "A"}, {0, "admit", "B"}, {0, "admit", "C"},
				{sec, "first", "A"}, {2 * sec, "release", "A"}, {0, "release", "B"}, {0, "release", "C"},
			},
			want: map[string]want{
				"A": {gross: 100, net: 40, prefill: 100.0 / 3, netPrefill: 40.0 / 3},
				"B": {gross: 100, net: 40, prefill: 100, netPrefill: 40}, // no first token: all prefill
				"C": {gross: 100, net: 40, prefill: 100, netPrefill: 40},
			},
		},
		{
			// Idle time before admission is nobody's; two GPUs carry it all.
			name:   "two GPUs",
			cfg:    Config{GPUs: 2},
			events: []truthEvent{{5 * sec, "admit", "A"}, {0, "first", "A"}, {sec, "release", "A"}},
			want:   map[string]want{"A": {gross: 170, net: 50, prefill: 0, netPrefill: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replayTruth(t, tt.cfg, tt.events)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d requests, want %d", len(got), len(tt.want))
			}
			for id, w := range tt.want {
				g := got[id]
				for _, c := range []struct {
					what      string
					got, want float64
				}{
					{"gross", g.Joules, w.gross}, {"net", g.NetJoules, w.net},
					{"prefill", g.PrefillJoules, w.prefill}, {"net prefill", g.NetPrefillJoules, w.netPrefill},
					{"decode", g.DecodeJoules(), w.gross - w.prefill}, {"net decode", g.NetDecodeJoules(), w.net - w.netPrefill},
				} {
					if math.Abs(c.got-c.want) > 1e-9 {
						t.Errorf("%s %s = %.12g J, want %g J", id, c.what, c.got, c.want)
					}
				}
			}
		})
	}
}

// Over a busy stretch the requests' gross shares add up to the modeled
// energy itself, and their net shares to it less the idle draw.
func TestRequestTruthConservesEnergy(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{MaxWatts: 150, MaxNumSeqs: 8}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	model := s.cfg.Models[0]
	clk.advance(time.Second) // idle, before the window
	start := clk.now()
	var open []seqMark
	var grossSum, netSum float64
	// A fixed, irregular pattern of arrivals and departures that keeps at
	// least one sequence running and passes the cap (4 sequences).
	for i, d := range []int{+1, +2, -1, +3, +1, -2, +1, -3, +2, -1, -1, -1, -1} {
		if i > 0 {
			clk.advance(time.Duration(100+37*i) * time.Millisecond)
		}
		for range d {
			m, err := s.engine.acquireSeq(context.Background(), model, nil)
			if err != nil {
				t.Fatal(err)
			}
			open = append(open, m)
		}
		for range -d {
			end := s.engine.releaseSeq(model)
			grossSum += end.gross - open[0].gross
			netSum += end.net - open[0].net
			open = open[1:]
		}
	}
	if len(open) != 0 {
		t.Fatalf("%d sequences left running", len(open))
	}
	end := clk.now()
	total := s.Energy(start, end)
	idle := s.IdleWatts() * end.Sub(start).Seconds()
	if math.Abs(grossSum-total) > 1e-9*total {
		t.Errorf("gross shares add to %.12g J, modeled energy %.12g J", grossSum, total)
	}
	if math.Abs(netSum-(total-idle)) > 1e-9*total {
		t.Errorf("net shares add to %.12g J, modeled energy above idle %.12g J", netSum, total-idle)
	}
}

// Through the API: the response id names the request's truth, its token
// counts are the response's, and a request that ran alone is due all the
// energy of its stay.
func TestRequestEnergyByResponseID(t *testing.T) {
	_, s, ts := secondPerToken(t)
	for _, path := range []string{"/v1/completions", "/v1/chat/completions"} {
		body := `{"prompt":"count my joules","max_tokens":3,"ignore_eos":true}`
		if path == "/v1/chat/completions" {
			body = `{"messages":[{"role":"user","content":"count my joules"}],"max_tokens":3,"ignore_eos":true}`
		}
		resp := post(t, context.Background(), ts.URL+path, body)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r struct {
			ID    string    `json:"id"`
			Usage usageInfo `json:"usage"`
		}
		if err := json.Unmarshal(data, &r); err != nil || r.ID == "" {
			t.Fatalf("%s: response %s: %v", path, data, err)
		}
		waitFor(t, "the slot to be freed", func() bool { return s.engine.snapshot().running == 0 })
		got, ok := s.RequestEnergy(r.ID)
		if !ok {
			t.Fatalf("%s: RequestEnergy(%q) not found", path, r.ID)
		}
		if got.PromptTokens != r.Usage.PromptTokens || got.OutputTokens != 3 || got.Aborted {
			t.Errorf("%s: truth %+v, response usage %+v", path, got, r.Usage)
		}
		// The clock moves 1 s as each token is sent, after the prompt is
		// counted: no time in prefill, then 3 s alone at 85 W, 25 W above
		// idle.
		if got.Joules != 3*85 || got.NetJoules != 3*25 || got.PrefillJoules != 0 || got.NetPrefillJoules != 0 {
			t.Errorf("%s: truth %+v, want 255 J gross, 75 J net, none in prefill", path, got)
		}
		if e := s.Energy(got.Admitted, got.Released); e != got.Joules {
			t.Errorf("%s: alone, the request is due %g J, the model drew %g J", path, got.Joules, e)
		}
	}
	if _, ok := s.RequestEnergy("cmpl-unknown"); ok {
		t.Error("RequestEnergy found an id that was never served")
	}
}

func TestRequestTruthHistoryIsBounded(t *testing.T) {
	l := newRequestLog()
	l.max = 4
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		l.add(RequestTruth{ID: id})
	}
	if len(l.list) > 4 {
		t.Fatalf("log holds %d records, bound is 4", len(l.list))
	}
	if _, ok := l.byID["a"]; ok {
		t.Error("the oldest record is still indexed after truncation")
	}
	for _, id := range []string{"d", "e", "f"} {
		i, ok := l.byID[id]
		if !ok || l.list[i-l.dropped].ID != id {
			t.Errorf("record %q lost or misindexed after truncation", id)
		}
	}
}
