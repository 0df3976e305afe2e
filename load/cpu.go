package load

import "time"

// ClientCPU is the CPU the client's own process used over a phase, user
// and system: the benchmark's share of any CPU meter on the same host,
// which a reader of the energy figures needs to see (an open-loop pacer
// that spun for its due times once took most of a core at 1000 req/s).
type ClientCPU struct {
	UserS   float64 `json:"user_s"`
	SystemS float64 `json:"system_s"`
	// Cores is CPU seconds per second of the phase: 1 is one core busy.
	Cores float64 `json:"cores"`
	// Requests are the requests sent in the phase; PerRequestUs is the
	// CPU per request in microseconds, null without requests.
	Requests     int      `json:"requests"`
	PerRequestUs *float64 `json:"per_request_us"`
}

// A CPUMark is a reading of the process's CPU time and the wall clock,
// the start of a phase whose client CPU is wanted.
type CPUMark struct {
	user, system time.Duration
	wall         time.Time
	ok           bool
}

// MarkCPU reads the process's CPU time now.
func MarkCPU() CPUMark {
	user, system, ok := processCPU()
	return CPUMark{user: user, system: system, wall: time.Now(), ok: ok}
}

// Since is the CPU the process used from m until now, over which it sent
// requests; nil where the platform does not tell a process's CPU time.
func (m CPUMark) Since(requests int) *ClientCPU {
	user, system, ok := processCPU()
	if !ok || !m.ok {
		return nil
	}
	c := &ClientCPU{UserS: (user - m.user).Seconds(), SystemS: (system - m.system).Seconds(), Requests: requests}
	if wall := time.Since(m.wall).Seconds(); wall > 0 {
		c.Cores = (c.UserS + c.SystemS) / wall
	}
	if requests > 0 {
		us := (c.UserS + c.SystemS) * 1e6 / float64(requests)
		c.PerRequestUs = &us
	}
	return c
}
