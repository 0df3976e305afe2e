package sim

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// The model of settings.go, figure by figure: idle 60 W, 25 W per
// sequence, 400 W at most; 8 sequences demand 260 W at full speed.
func TestSettingsModel(t *testing.T) {
	tests := []struct {
		name    string
		gpus    int
		running int
		set     []GPUSetting
		speed   float64
		perGPU  float64
	}{
		{name: "nothing set", gpus: 1, running: 8, speed: 1, perGPU: 260},
		{name: "limit above the draw", gpus: 1, running: 8, set: []GPUSetting{{PowerLimitW: ptr(300.0)}}, speed: 1, perGPU: 260},
		// √((210 − 60) / (260 − 60)) = √0.75
		{name: "limit 210 W", gpus: 1, running: 8, set: []GPUSetting{{PowerLimitW: ptr(210.0)}}, speed: math.Sqrt(0.75), perGPU: 210},
		{name: "limit 160 W", gpus: 1, running: 8, set: []GPUSetting{{PowerLimitW: ptr(160.0)}}, speed: math.Sqrt(0.5), perGPU: 160},
		{name: "limit with nothing running", gpus: 1, running: 0, set: []GPUSetting{{PowerLimitW: ptr(160.0)}}, speed: 1, perGPU: 60},
		// Half the clock: a quarter of the dynamic power, 60 + 200/4.
		{name: "clock 990 MHz", gpus: 1, running: 8, set: []GPUSetting{{ClockMHz: ptr(990)}}, speed: 0.5, perGPU: 110},
		{name: "clock below the limit's speed", gpus: 1, running: 8, set: []GPUSetting{{PowerLimitW: ptr(160.0), ClockMHz: ptr(990)}}, speed: 0.5, perGPU: 110},
		// At 1485 MHz (0.75) the draw is 60 + 200 × 0.5625 = 172.5 W;
		// 150 W allows √((150 − 60) / 200) = √0.45 only.
		{name: "limit below the clock's draw", gpus: 1, running: 8, set: []GPUSetting{{PowerLimitW: ptr(150.0), ClockMHz: ptr(1485)}}, speed: math.Sqrt(0.45), perGPU: 150},
		// Lockstep: the limited GPU paces the other, which draws as much.
		{name: "one GPU of two limited", gpus: 2, running: 8, set: []GPUSetting{{Index: ptr(1), PowerLimitW: ptr(160.0)}}, speed: math.Sqrt(0.5), perGPU: 160},
		// At full speed the draw is clipped at MaxWatts without slowing,
		// as it always was: 60 + 25 × 16 = 460 → 400.
		{name: "clipped at the default limit", gpus: 1, running: 16, speed: 1, perGPU: 400},
		{name: "limited below the clip", gpus: 1, running: 16, set: []GPUSetting{{PowerLimitW: ptr(230.0)}}, speed: math.Sqrt(170.0 / 340), perGPU: 230},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, Config{GPUs: tt.gpus})
			for _, set := range tt.set {
				if err := s.SetGPU(set); err != nil {
					t.Fatal(err)
				}
			}
			m := s.engine.power
			if got := m.speed(tt.running); math.Abs(got-tt.speed) > 1e-12 {
				t.Errorf("speed = %.12g, want %.12g", got, tt.speed)
			}
			if got := m.perGPU(tt.running); math.Abs(got-tt.perGPU) > 1e-9 {
				t.Errorf("perGPU = %.12g W, want %g W", got, tt.perGPU)
			}
			if got, want := m.total(tt.running), float64(tt.gpus)*tt.perGPU; math.Abs(got-want) > 1e-9 {
				t.Errorf("total = %g W, want %g W", got, want)
			}
		})
	}
}

// A change of setting is a step of the power log, so energy stays an
// exact integral, and the latencies stretch by 1/speed at once.
func TestSettingsChangeEnergyAndLatency(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{TTFT: 20 * time.Millisecond, ITL: 10 * time.Millisecond}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	origin := clk.now()
	drive(t, s, clk, []step{{0, +8}})
	set := func(g GPUSetting) {
		t.Helper()
		if err := s.SetGPU(g); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(time.Second) // 260 W
	set(GPUSetting{PowerLimitW: ptr(160.0)})
	if got, want := s.engine.stepTime(s.cfg, 1), time.Duration(float64(10*time.Millisecond)/math.Sqrt(0.5)); got != want {
		t.Errorf("ITL at 160 W: %v, want %v", got, want)
	}
	if got, want := s.engine.stepTime(s.cfg, 0), time.Duration(float64(20*time.Millisecond)/math.Sqrt(0.5)); got != want {
		t.Errorf("TTFT at 160 W: %v, want %v", got, want)
	}
	clk.advance(2 * time.Second) // 160 W
	set(GPUSetting{ClockMHz: ptr(990)})
	clk.advance(time.Second) // 110 W
	set(GPUSetting{PowerLimitW: ptr(400.0), ClockMHz: ptr(0)})
	if got := s.engine.stepTime(s.cfg, 1); got != 10*time.Millisecond {
		t.Errorf("ITL with the settings undone: %v", got)
	}
	clk.advance(time.Second) // 260 W
	if got, want := s.Energy(origin, clk.now()), 260+2*160+110+260.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("energy %g J, want %g J", got, want)
	}
}

func TestGPUEndpoint(t *testing.T) {
	s := mustNew(t, Config{GPUs: 2})
	ts := startTest(t, s)
	tests := []struct {
		body   string
		status int
		msg    string // in the error message
	}{
		{`{"index": 1, "power_limit_w": 300}`, 200, ""},
		{`{"clock_mhz": 1410}`, 200, ""},
		{`{"power_limit_w": 100}`, 400, "power limit 100 W is outside the GPU's range, 145 to 400 W"},
		{`{"index": 2, "power_limit_w": 300}`, 400, "no GPU 2: the simulator has GPUs 0 to 1"},
		{`{"clock_mhz": 5000}`, 400, "clock 5000 MHz is outside the GPU's range, 210 to 1980 MHz (0 unlocks it)"},
		{`{"power_limit_w": 300, "watts": 1}`, 400, `unknown field`},
		{`not json`, 400, "a GPU setting is"},
	}
	for _, tt := range tests {
		resp, err := testClient.Post(ts.URL+"/sim/gpu", "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.msg) {
			t.Errorf("%s: %d %s; want %d with %q", tt.body, resp.StatusCode, b, tt.status, tt.msg)
		}
	}
	resp, err := testClient.Get(ts.URL + "/sim/gpu")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep GPUReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.GPUs) != 2 {
		t.Fatalf("report %+v", rep)
	}
	g0, g1 := rep.GPUs[0], rep.GPUs[1]
	if g0.PowerLimitW != 400 || g1.PowerLimitW != 300 || g0.LockedClockMHz != 1410 || g1.LockedClockMHz != 1410 {
		t.Errorf("settings not as set: %+v", rep.GPUs)
	}
	if g1.DefaultPowerLimitW != 400 || g1.MinPowerLimitW != 145 || g1.MaxClockMHz != MaxClockMHz || g1.ClockMHz != 1410 || g1.PowerW != 60 {
		t.Errorf("GPU 1 reads %+v", g1)
	}
	// The GPUs are named as /metrics names them.
	metrics := get(t, ts.URL+"/metrics")
	if g0.UUID == "" || !strings.Contains(metrics, `UUID="`+g0.UUID+`"`) || !strings.Contains(metrics, `UUID="`+g1.UUID+`"`) {
		t.Errorf("UUIDs %s, %s not in /metrics", g0.UUID, g1.UUID)
	}
}

// get fetches url and returns its body.
func get(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
