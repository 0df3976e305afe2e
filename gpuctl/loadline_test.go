package gpuctl_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/sim"
)

// A power-cap sweep on the simulator draws the load line its model
// predicts (see sim/settings.go). Eight sequences demand
// 60 + 8 × 25 = 260 W at full speed; a cap L below that runs the GPU at
// speed s = √((L − 60) / 200), drawing L, so that every latency grows by
// 1/s and J/token, power × time per token, by (L / 260) / s:
//
//	cap     s        ITL       J/token
//	400 W   1        1         1
//	210 W   0.8660   × 1.155   × 0.933
//	160 W   0.7071   × 1.414   × 0.870
//
// Lower caps save energy per token and cost latency. The figures are
// read from the simulator's own record of each request (admission, first
// token, release) and its exact energy; the wall clock enters only
// through timer lateness at the edges of each one-second request, which
// the 5 % tolerance covers.
func TestPowerCapLoadLine(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a second of load per point")
	}
	const (
		concurrency = 8
		tokens      = 100
		itl         = 10 * time.Millisecond
	)
	s, url := startSim(t, sim.Config{TTFT: 20 * time.Millisecond, ITL: itl, MaxNumSeqs: concurrency})
	c, err := gpuctl.Sim(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	points := []gpuctl.Setting{{PowerLimitW: 400}, {PowerLimitW: 210}, {PowerLimitW: 160}}
	if err := gpuctl.Check(c, points); err != nil {
		t.Fatal(err)
	}
	session, err := gpuctl.Begin(c, filepath.Join(t.TempDir(), gpuctl.SavedFile), points)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Restore()

	type figures struct{ watts, jPerToken, itl float64 }
	var got []figures
	for _, p := range points {
		applied, err := session.Apply(p)
		if err != nil {
			t.Fatal(err)
		}
		if applied[0].PowerLimitW != p.PowerLimitW || applied[0].DefaultPowerLimitW != 400 {
			t.Errorf("applied %+v, want %g W in force, 400 W default", applied[0], p.PowerLimitW)
		}
		seen := len(s.RequestEnergies())
		sendLoad(t, url, concurrency, tokens)
		truths := s.RequestEnergies()[seen:]
		start, end := truths[0].Admitted, truths[0].Released
		outTokens, itlSum := 0, 0.0
		for _, r := range truths {
			start, end = minTime(start, r.Admitted), maxTime(end, r.Released)
			outTokens += r.OutputTokens
			itlSum += r.Released.Sub(r.FirstToken).Seconds() / float64(r.OutputTokens-1)
		}
		joules := s.Energy(start, end)
		got = append(got, figures{joules / end.Sub(start).Seconds(), joules / float64(outTokens), itlSum / float64(len(truths))})
	}

	base := got[0]
	for i, p := range points {
		speed := math.Min(1, math.Sqrt((p.PowerLimitW-60)/200))
		watts := math.Min(260, p.PowerLimitW)
		want := figures{watts, base.jPerToken * (watts / 260) / speed, base.itl / speed}
		g := got[i]
		t.Logf("cap %3g W: %6.1f W, %.4f J/token, ITL %.2f ms (model: %6.1f W, %.4f J/token, %.2f ms)",
			p.PowerLimitW, g.watts, g.jPerToken, g.itl*1000, want.watts, want.jPerToken, want.itl*1000)
		if !relClose(g.watts, want.watts, 0.05) || !relClose(g.jPerToken, want.jPerToken, 0.05) || !relClose(g.itl, want.itl, 0.05) {
			t.Errorf("cap %g W: %+v, want %+v within 5 %%", p.PowerLimitW, g, want)
		}
		if i > 0 && !(g.jPerToken < got[i-1].jPerToken && g.itl > got[i-1].itl) {
			t.Errorf("cap %g W: J/token %g and ITL %g do not move as the cap falls from %g W", p.PowerLimitW, g.jPerToken, g.itl, points[i-1].PowerLimitW)
		}
	}
	if err := session.Restore(); err != nil {
		t.Fatal(err)
	}
	if g := s.GPUs().GPUs[0]; g.PowerLimitW != 400 {
		t.Errorf("limit after the sweep: %g W", g.PowerLimitW)
	}
}

// sendLoad sends n requests of exactly tokens output tokens at once and
// waits for them all.
func sendLoad(t *testing.T, url string, n, tokens int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"model": sim.DefaultModel, "prompt": "hello", "max_tokens": tokens, "ignore_eos": true})
	client := &http.Client{Timeout: time.Minute}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			resp, err := client.Post(url+"/v1/completions", "application/json", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("completion: %s", resp.Status)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
