package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestQueueOrdering runs two requests through one slot. Request a is paused
// at its first token until b has been seen waiting, so the two overlap for
// sure; the engine's causal trace must then show b's first token after a
// finished.
func TestQueueOrdering(t *testing.T) {
	s := mustNew(t, Config{TTFT: -1, ITL: -1, MaxNumSeqs: 1, Models: []string{"a", "b"}})
	var (
		mu       sync.Mutex
		trace    []string
		aPaused  = make(chan struct{})
		bQueued  = make(chan struct{})
		resumeA  = make(chan struct{})
		pauseOne sync.Once
	)
	s.tracer = func(ev traceEvent) {
		mu.Lock()
		trace = append(trace, fmt.Sprintf("%s:%d:%d", ev.model, ev.kind, ev.n))
		mu.Unlock()
		switch {
		case ev.model == "a" && ev.kind == traceToken:
			pauseOne.Do(func() {
				close(aPaused)
				<-resumeA
			})
		case ev.model == "b" && ev.kind == traceQueued:
			close(bQueued)
		}
	}
	ts := startTest(t, s)
	resume := sync.OnceFunc(func() { close(resumeA) })
	t.Cleanup(resume) // a failed test must not leave a paused before closing the server

	// Clients run in their own goroutines, so they report instead of failing.
	type result struct {
		events int
		err    error
	}
	request := func(model string, out chan<- result) {
		body := fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"go"}],"max_tokens":3,"ignore_eos":true,"stream":true}`, model)
		resp, err := http.Post(ts.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			out <- result{err: err}
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		out <- result{events: strings.Count(string(data), "data: "), err: err}
	}
	aOut, bOut := make(chan result, 1), make(chan result, 1)
	go request("a", aOut)
	await(t, aPaused, "a's first token")
	go request("b", bOut)
	await(t, bQueued, "b to queue behind a")
	if snap := s.engine.snapshot(); snap.running != 1 || snap.waiting != 1 {
		t.Errorf("while a runs: running %d, waiting %d; want 1 and 1", snap.running, snap.waiting)
	}
	resume()
	for _, out := range []chan result{aOut, bOut} {
		r := awaitValue(t, out, "a stream to end")
		if r.err != nil || r.events != 5 { // role, 3 tokens, [DONE]
			t.Errorf("stream: %d events, error %v; want 5 events", r.events, r.err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	aDone := slices.Index(trace, fmt.Sprintf("a:%d:3", traceFinished))
	bAdmitted := slices.Index(trace, fmt.Sprintf("b:%d:0", traceAdmitted))
	bFirst := slices.Index(trace, fmt.Sprintf("b:%d:0", traceToken))
	if aDone < 0 || bAdmitted < 0 || bFirst < 0 || !(aDone < bAdmitted && bAdmitted < bFirst) {
		t.Errorf("trace %v: want a finished, then b admitted, then b's first token", trace)
	}
}

// TestDisconnectFreesSlot cancels a request while it decodes and another
// while it waits: both must leave the engine, and power must fall to idle.
func TestDisconnectFreesSlot(t *testing.T) {
	s := mustNew(t, Config{TTFT: -1, ITL: time.Hour, MaxNumSeqs: 1})
	queued := make(chan struct{}, 1)
	s.tracer = func(ev traceEvent) {
		if ev.kind == traceQueued {
			queued <- struct{}{}
		}
	}
	ts := startTest(t, s)
	body := map[string]any{"prompt": "hold the slot", "max_tokens": 5, "ignore_eos": true, "stream": true}

	// a gets the slot and its first token, then sits in a one-hour ITL.
	aCtx, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	resp := post(t, aCtx, ts.URL+"/v1/completions", body)
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatalf("reading a's first token: %v", err)
	}
	if got, want := s.Power(), 85.0; got != want {
		t.Errorf("power while a runs = %g W, want %g W", got, want)
	}

	// b waits behind a; its headers arrive at once, as vLLM sends them.
	bCtx, cancelB := context.WithCancel(context.Background())
	bResp := post(t, bCtx, ts.URL+"/v1/completions", body)
	await(t, queued, "b to queue behind a")
	cancelB()
	io.Copy(io.Discard, bResp.Body)
	bResp.Body.Close()
	waitFor(t, "b to leave the queue", func() bool { return s.engine.snapshot().waiting == 0 })

	cancelA()
	waitFor(t, "a to free its slot", func() bool { return s.engine.snapshot().running == 0 })
	if got := s.Power(); got != s.IdleWatts() {
		t.Errorf("power after both left = %g W, want idle %g W", got, s.IdleWatts())
	}
	if got := s.engine.snapshot().models["sim-model"].finished[finishAbort]; got != 2 {
		t.Errorf("aborted requests = %d, want 2", got)
	}
}

func TestStartAndClose(t *testing.T) {
	s := mustNew(t, Config{TTFT: -1, ITL: time.Hour})
	url, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(""); err == nil {
		t.Error("a second Start succeeded")
	}

	resp, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("/health: %d %q, want 200 and no body", resp.StatusCode, body)
	}

	// A request stuck in a one-hour ITL must not keep its slot past Close.
	stuck := post(t, context.Background(), url+"/v1/completions",
		map[string]any{"prompt": "forever", "max_tokens": 3, "ignore_eos": true, "stream": true})
	defer stuck.Body.Close()
	if _, err := bufio.NewReader(stuck.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	waitFor(t, "the stuck request to end", func() bool { return s.engine.snapshot().running == 0 })
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Start(""); err == nil {
		t.Error("Start after Close succeeded")
	}
	if s.TotalEnergy() <= 0 {
		t.Error("energy history lost at Close")
	}
}
