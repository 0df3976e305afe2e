package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// The simulated GPUs accept what nvidia-smi -pl and -lgc set on real ones:
// a power limit and a locked graphics clock, per GPU, through
// GET/POST /sim/gpu (or SetGPU). Both act through one quantity, the
// speed s (0 < s ≤ 1) at which the GPUs run, as a fraction of their
// maximum clock:
//
//   - every latency (TTFT and each ITL) is divided by s;
//   - the power above idle is multiplied by s²: full-speed draw
//     F = min(MaxWatts, IdleWatts + WattsPerSeq × running) becomes
//     IdleWatts + (F − IdleWatts) × s².
//
// A locked clock c sets s = c / MaxClockMHz. A power limit L lowers s
// until the draw fits, s = √((L − IdleWatts) / (F − IdleWatts)), when F
// is above L. Every GPU carries every sequence in lockstep, so the
// slowest GPU's s paces them all. s² is between a fixed voltage (power
// linear in the clock) and voltage following the clock (cubic): energy per
// token falls as the GPU slows, while the idle draw, paid for longer,
// pulls the other way — the trade a power-cap load line shows.
//
// With nothing set the model is the one it always was: the default limit
// is MaxWatts, where the draw is clipped without slowing down.
const (
	MaxClockMHz = 1980 // an H100 SXM's highest graphics clock
	MinClockMHz = 210  // and its lowest
)

// GPUSetting is what POST /sim/gpu changes on one GPU, or every GPU when
// Index is nil. A nil field is left as it is.
type GPUSetting struct {
	Index       *int     `json:"index,omitempty"`
	PowerLimitW *float64 `json:"power_limit_w,omitempty"`
	// ClockMHz locks the graphics clock; 0 unlocks it (nvidia-smi -rgc).
	ClockMHz *int `json:"clock_mhz,omitempty"`
}

// GPUState is one simulated GPU as GET /sim/gpu reports it.
type GPUState struct {
	Index              int     `json:"index"`
	UUID               string  `json:"uuid"`
	Name               string  `json:"name"`
	PowerLimitW        float64 `json:"power_limit_w"`
	DefaultPowerLimitW float64 `json:"default_power_limit_w"`
	MinPowerLimitW     float64 `json:"min_power_limit_w"`
	MaxPowerLimitW     float64 `json:"max_power_limit_w"`
	LockedClockMHz     int     `json:"locked_clock_mhz"` // 0: not locked
	MinClockMHz        int     `json:"min_clock_mhz"`
	MaxClockMHz        int     `json:"max_clock_mhz"`
	ClockMHz           int     `json:"clock_mhz"` // the clock it runs at now
	PowerW             float64 `json:"power_w"`   // its draw now
}

// GPUReport is the body of GET /sim/gpu and of POST /sim/gpu's answer.
type GPUReport struct {
	GPUs []GPUState `json:"gpus"`
}

// gpuLimits is what one GPU is set to.
type gpuLimits struct {
	powerW   float64
	clockMHz int // 0: not locked
}

// gpuControl holds the GPUs' settings. They change under engine.mu, with
// the energy accounted up to the change, and are read under it too,
// except by IdleWatts, whose answer they do not change: atomic, so that
// this one reader is no data race.
type gpuControl struct {
	minW, maxW float64
	limits     atomic.Pointer[[]gpuLimits] // one per GPU, never changed in place
}

func newGPUControl(cfg Config) *gpuControl {
	g := &gpuControl{maxW: cfg.MaxWatts, minW: cfg.IdleWatts + (cfg.MaxWatts-cfg.IdleWatts)/4}
	limits := make([]gpuLimits, cfg.GPUs)
	for i := range limits {
		limits[i].powerW = cfg.MaxWatts
	}
	g.limits.Store(&limits)
	return g
}

// speed is the fraction of the maximum clock the GPUs run at when idle
// watts are drawn at rest and full at full speed.
func (g *gpuControl) speed(idle, full float64) float64 {
	if g == nil {
		return 1
	}
	s := 1.0
	for _, l := range *g.limits.Load() {
		if l.clockMHz > 0 {
			s = min(s, float64(l.clockMHz)/MaxClockMHz)
		}
		// The draw at speed x is idle + (full − idle) × x²: the fastest
		// x within the limit.
		if full > l.powerW && full > idle {
			s = min(s, math.Sqrt(max(l.powerW-idle, 0)/(full-idle)))
		}
	}
	return s
}

// speed is the fraction of the maximum clock the GPUs run at with this
// many sequences running.
func (m powerModel) speed(running int) float64 {
	return m.gpu.speed(m.idle, math.Min(m.max, m.idle+m.perSeq*float64(running)))
}

// stepTime is how long the next step of a sequence takes at the current
// speed: TTFT for the first token, ITL for the others.
func (e *engine) stepTime(cfg Config, token int) time.Duration {
	d := cfg.ITL
	if token == 0 {
		d = cfg.TTFT
	}
	e.mu.Lock()
	s := e.power.speed(e.running)
	e.mu.Unlock()
	if s == 1 {
		return d
	}
	return time.Duration(float64(d) / s)
}

// SetGPU changes the power limit and locked clock of one GPU, or of every
// GPU, as nvidia-smi -pl / -lgc / -rgc would. A value outside the GPU's
// range is refused and nothing changes.
func (s *Server) SetGPU(set GPUSetting) error {
	e := s.engine
	g := e.power.gpu
	e.mu.Lock()
	defer e.mu.Unlock()
	limits := append([]gpuLimits(nil), *g.limits.Load()...)
	first, last := 0, len(limits)-1
	if set.Index != nil {
		if *set.Index < 0 || *set.Index > last {
			return fmt.Errorf("no GPU %d: the simulator has GPUs 0 to %d", *set.Index, last)
		}
		first, last = *set.Index, *set.Index
	}
	if w := set.PowerLimitW; w != nil && !(*w >= g.minW && *w <= g.maxW) {
		return fmt.Errorf("power limit %g W is outside the GPU's range, %g to %g W", *w, g.minW, g.maxW)
	}
	if c := set.ClockMHz; c != nil && *c != 0 && (*c < MinClockMHz || *c > MaxClockMHz) {
		return fmt.Errorf("clock %d MHz is outside the GPU's range, %d to %d MHz (0 unlocks it)", *c, MinClockMHz, MaxClockMHz)
	}
	for i := first; i <= last; i++ {
		if set.PowerLimitW != nil {
			limits[i].powerW = *set.PowerLimitW
		}
		if set.ClockMHz != nil {
			limits[i].clockMHz = *set.ClockMHz
		}
	}
	// The energy up to now is due at the old draw; from now on the new.
	now := e.now()
	e.shares.advance(now, e.running, e.power)
	g.limits.Store(&limits)
	e.log.set(now, e.power.total(e.running))
	return nil
}

// GPUs reports every simulated GPU's settings, range and draw.
func (s *Server) GPUs() GPUReport {
	e := s.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.power.gpu
	clock := int(math.Round(MaxClockMHz * e.power.speed(e.running)))
	rep := GPUReport{GPUs: make([]GPUState, 0, len(s.gpus))}
	for i, l := range *g.limits.Load() {
		rep.GPUs = append(rep.GPUs, GPUState{
			Index: i, UUID: labelValue(string(s.gpus[i]), "UUID"), Name: s.cfg.GPUModelName,
			PowerLimitW: l.powerW, DefaultPowerLimitW: g.maxW, MinPowerLimitW: g.minW, MaxPowerLimitW: g.maxW,
			LockedClockMHz: l.clockMHz, MinClockMHz: MinClockMHz, MaxClockMHz: MaxClockMHz,
			ClockMHz: clock, PowerW: e.power.perGPU(e.running),
		})
	}
	return rep
}

// labelValue reads one label of a GPU's DCGM label set, so that /sim/gpu
// names the GPUs exactly as /metrics does.
func labelValue(labels, name string) string {
	_, rest, _ := strings.Cut(labels, name+`="`)
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// handleGPU serves GET /sim/gpu.
func (s *Server) handleGPU(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.GPUs())
}

// maxSettingBody bounds POST /sim/gpu's body: a setting is a few dozen bytes.
const maxSettingBody = 4 << 10

// handleSetGPU serves POST /sim/gpu: a GPUSetting, answered with the
// GPUReport after the change.
func (s *Server) handleSetGPU(w http.ResponseWriter, r *http.Request) {
	var set GPUSetting
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSettingBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		writeError(w, badRequest("a GPU setting is {\"index\": 0, \"power_limit_w\": 300, \"clock_mhz\": 1410}: %v", err))
		return
	}
	if err := s.SetGPU(set); err != nil {
		writeError(w, badRequest("%v", err))
		return
	}
	writeJSON(w, http.StatusOK, s.GPUs())
}
