package load

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGapMoments checks 100k drawn gaps against theory: mean 1/rate and
// squared coefficient of variation 1/shape (1 for Poisson, 0 for constant).
// Tolerances are 5 standard errors of each estimator for a gamma law:
// the mean's relative error is CV/√N, the variance's √((kurtosis−1)/N)
// with kurtosis 3 + 6/shape.
func TestGapMoments(t *testing.T) {
	const n = 100_000
	tests := []struct {
		arrival Arrival
		shape   float64 // Burstiness; the law's shape is 1 for poisson
		rps     float64
		wantCV2 float64
	}{
		{ArrivalPoisson, 0, 200, 1},
		{ArrivalGamma, 1, 50, 1},
		{ArrivalGamma, 0.25, 200, 4},
		{ArrivalGamma, 0.5, 10, 2},
		{ArrivalGamma, 2, 200, 0.5},
		{ArrivalGamma, 8, 1000, 0.125},
		{ArrivalConstant, 0, 200, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%g", tc.arrival, tc.shape), func(t *testing.T) {
			r := Rate{RPS: tc.rps, Arrival: tc.arrival, Burstiness: tc.shape, Seed: 7}
			if err := r.validate(); err != nil {
				t.Fatal(err)
			}
			g := newGaps(r.arrival(), r.RPS, r.shape(), r.Seed)
			var sum, sumSq float64
			for range n {
				x := g.next()
				if !(x >= 0) || math.IsInf(x, 0) {
					t.Fatalf("gap %v", x)
				}
				sum += x
				sumSq += x * x
			}
			mean := sum / n
			variance := sumSq/n - mean*mean
			cv2 := variance / (mean * mean)
			wantMean := 1 / tc.rps

			meanTol, cv2Tol := 1e-9, 1e-9
			if tc.wantCV2 > 0 {
				meanTol = 5 * math.Sqrt(tc.wantCV2/n)
				kurt := 3 + 6*tc.wantCV2                     // 6/shape
				cv2Tol = 5*math.Sqrt((kurt-1)/n) + 2*meanTol // variance error plus the mean's, squared
			}
			if rel := math.Abs(mean/wantMean - 1); rel > meanTol {
				t.Errorf("mean gap %.6g s, want %.6g (off %.3f%%, tolerance %.3f%%)", mean, wantMean, 100*rel, 100*meanTol)
			}
			if tc.wantCV2 == 0 {
				if math.Abs(cv2) > 1e-9 {
					t.Errorf("CV² %.6g, want 0", cv2)
				}
				return
			}
			if rel := math.Abs(cv2/tc.wantCV2 - 1); rel > cv2Tol {
				t.Errorf("CV² %.4g, want %.4g (off %.2f%%, tolerance %.2f%%)", cv2, tc.wantCV2, 100*rel, 100*cv2Tol)
			}
		})
	}
}

func TestOffsetsDeterministic(t *testing.T) {
	r := Rate{RPS: 200, Arrival: ArrivalGamma, Burstiness: 0.5, Seed: 42}
	a, err := r.Offsets(1000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.Offsets(1000)
	r.Seed = 43
	c, _ := r.Offsets(1000)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("offset %d: %v then %v for the same seed", i, a[i], b[i])
		}
		if i > 0 && a[i] < a[i-1] {
			t.Fatalf("offset %d: %v before offset %d: %v", i, a[i], i-1, a[i-1])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if a[0] != 0 {
		t.Errorf("first request at %v, want 0", a[0])
	}
	if same > 1 { // offset 0 is shared
		t.Errorf("seeds 42 and 43 share %d of 1000 offsets", same)
	}
}

// TestOffsetsGolden pins the schedule of one seed for each arrival, so
// that a change to the generators (or to Go's math/rand/v2 streams),
// which would make old runs unrepeatable, shows up. go test -update
// rewrites it after a deliberate change.
func TestOffsetsGolden(t *testing.T) {
	var b strings.Builder
	for _, r := range []Rate{
		{RPS: 10, Seed: 1},
		{RPS: 10, Arrival: ArrivalGamma, Burstiness: 0.5, Seed: 1},
		{RPS: 10, Arrival: ArrivalGamma, Burstiness: 3, Seed: 1},
		{RPS: 10, Arrival: ArrivalConstant},
	} {
		offs, err := r.Offsets(8)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s shape %g seed %d:", r.arrival(), r.shape(), r.Seed)
		for _, o := range offs {
			fmt.Fprintf(&b, " %d", o.Microseconds())
		}
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "offsets.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./load -run Golden -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("schedules changed:\n got:\n%s want:\n%s", b.String(), want)
	}
}

func TestOffsetsLimits(t *testing.T) {
	tests := []struct {
		name string
		r    Rate
		n    int
		want int
		last time.Duration
	}{
		// Due at 0, 10, …, 990 ms: 100 requests start inside 1 s.
		{"duration", Rate{RPS: 100, Arrival: ArrivalConstant, Duration: time.Second}, 1000, 100, 990 * time.Millisecond},
		{"requests", Rate{RPS: 200, Arrival: ArrivalConstant, Requests: 7}, 1000, 7, 30 * time.Millisecond},
		{"both, duration first", Rate{RPS: 3, Arrival: ArrivalConstant, Requests: 7, Duration: time.Second}, 1000, 3, 666_666_667},
		{"n first", Rate{RPS: 200, Arrival: ArrivalConstant}, 4, 4, 15 * time.Millisecond},
	}
	for _, tc := range tests {
		offs, err := tc.r.Offsets(tc.n)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(offs) != tc.want || offs[len(offs)-1] != tc.last {
			t.Errorf("%s: %d offsets ending %v, want %d ending %v", tc.name, len(offs), offs[len(offs)-1], tc.want, tc.last)
		}
	}
}

func TestRateValidate(t *testing.T) {
	tests := []struct {
		r    Rate
		want string // in the error; "" for valid
	}{
		{Rate{RPS: 1}, ""},
		{Rate{RPS: 1, Arrival: ArrivalPoisson, Burstiness: 1}, ""},
		{Rate{RPS: 1, Arrival: ArrivalGamma, Burstiness: 0.1, MaxConcurrency: 4, Requests: 5, Duration: time.Second}, ""},
		{Rate{}, "rate 0 req/s"},
		{Rate{RPS: -2}, "rate -2 req/s"},
		{Rate{RPS: math.NaN()}, "rate NaN"},
		{Rate{RPS: math.Inf(1)}, "rate +Inf"},
		{Rate{RPS: 1, Arrival: "uniform"}, `arrival "uniform" unknown`},
		{Rate{RPS: 1, Arrival: ArrivalGamma}, "need a burstiness"},
		{Rate{RPS: 1, Arrival: ArrivalGamma, Burstiness: -1}, "burstiness -1"},
		{Rate{RPS: 1, Burstiness: 0.5}, `applies only to "gamma" arrivals, not "poisson"`},
		{Rate{RPS: 1, Arrival: ArrivalConstant, Burstiness: 2}, `not "constant"`},
		{Rate{RPS: 1, Requests: -1}, "-1 requests"},
		{Rate{RPS: 1, Duration: -time.Second}, "duration -1s"},
		{Rate{RPS: 1, MaxConcurrency: -3}, "max concurrency -3"},
	}
	for _, tc := range tests {
		_, err := tc.r.Offsets(1)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.r, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: error %v, want one containing %q", tc.r, err, tc.want)
		}
	}
}
