package live

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
)

// TestPhases follows a two-model run: only the phase running now reads 1,
// and an empty phase ends the run with none at 1.
func TestPhases(t *testing.T) {
	steps := []struct{ model, phase string }{
		{"a", "idle_before"}, {"a", "measured"}, {"a", "idle_after"},
		{"b", "idle_before"}, {"b", "measured"},
	}
	e := New()
	for _, s := range steps {
		e.Phase(s.model, s.phase)
		fams := familiesByName(e)
		if n := seriesCount(fams, MetricPhase); n != 1 {
			t.Errorf("after %v: %d phase series; want only the current one", s, n)
		}
		checkSeries(t, fams, MetricPhase, []string{"model", s.model, "phase", s.phase}, 1)
	}
	// A phase run again (measure's phases can repeat) is current again.
	e.Phase("a", "measured")
	checkSeries(t, familiesByName(e), MetricPhase, []string{"model", "a", "phase", "measured"}, 1)

	e.Phase("", "")
	if n := seriesCount(familiesByName(e), MetricPhase); n != 0 {
		t.Errorf("after the run ended, %d phase series remain", n)
	}
}

// TestConcurrentUpdates hammers every update method from several
// goroutines while scrapes run, then checks exact totals. Run it with
// -race.
func TestConcurrentUpdates(t *testing.T) {
	const workers, each = 8, 300
	e := New()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()

	stop := make(chan struct{})
	type result struct {
		n   int
		err error
	}
	scraped := make(chan result)
	go func() {
		var r result
		defer func() { scraped <- r }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, r.err = tryScrape(srv.URL + "/metrics"); r.err != nil {
				return
			}
			r.n++
		}
	}()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			model := fmt.Sprintf("model-%d", w%2)
			ch := fmt.Sprintf("gpu%d", w)
			for i := range each {
				e.InFlight(model, +1)
				e.Phase(model, "measured")
				e.Readings([]meter.Reading{at(float64(i), ch, meter.GPU, 100, nan)})
				rec := backend.Record{InputTokens: 3, OutputTokens: 2}
				if i%10 == 0 {
					rec.ErrorClass = backend.ErrorHTTP
				}
				e.Request(model, "measured", rec)
				e.InFlight(model, -1)
			}
		})
	}
	wg.Wait()
	close(stop)
	if r := <-scraped; r.err != nil {
		t.Errorf("scrape during the updates: %v", r.err)
	} else if r.n == 0 {
		t.Error("no scrape ran during the updates")
	}

	fams := scrape(t, srv.URL+"/metrics")
	perModel := workers / 2 * each
	for _, model := range []string{"model-0", "model-1"} {
		checkSeries(t, fams, MetricRequests, []string{"model", model, "phase", "measured", "outcome", "ok"}, float64(perModel*9/10))
		checkSeries(t, fams, MetricRequests, []string{"model", model, "phase", "measured", "outcome", "error"}, float64(perModel/10))
		checkSeries(t, fams, MetricOutputTokens, []string{"model", model, "phase", "measured"}, float64(2*perModel))
		checkSeries(t, fams, MetricInputTokens, []string{"model", model, "phase", "measured"}, float64(3*perModel))
		checkSeries(t, fams, MetricInFlight, []string{"model", model}, 0)
	}
	for w := range workers {
		// 100 W for each-1 seconds.
		checkSeries(t, fams, MetricEnergy, []string{"meter", "m", "channel", fmt.Sprintf("gpu%d", w), "component", "gpu"}, 100*(each-1))
	}
	if n := seriesCount(fams, MetricPhase); n != 1 {
		t.Errorf("%d phase series; want the current one", n)
	}
}
