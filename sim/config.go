package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Config describes the simulated server. The zero value of every field
// selects its default. For TTFT, ITL, IdleWatts and WattsPerSeq a negative
// value selects zero (the convention of net.Dialer.KeepAlive), so that a
// benchmark can ask for a server without delays or an idle-free GPU.
type Config struct {
	Models           []string      // served model ids; default ["sim-model"]
	TTFT             time.Duration // time to first token (prefill); default 50ms
	ITL              time.Duration // inter-token latency per decode step; default 10ms
	MaxNumSeqs       int           // sequences running at once; more wait in FIFO order; default 16
	DefaultMaxTokens int           // output cap when a request gives none; default 256
	MaxModelLen      int           // context length: prompt + output tokens; default 8192
	IdleWatts        float64       // per GPU; default 60
	WattsPerSeq      float64       // extra watts per running sequence per GPU; default 25
	MaxWatts         float64       // per-GPU cap; default 400
	GPUs             int           // GPUs sharing every sequence; default 1
	Seed             int64         // varies output lengths, words and GPU UUIDs
	GPUModelName     string        // modelName label in the DCGM metrics
	// MetricsRefresh makes /metrics behave like a dcgm-exporter that
	// collects every MetricsRefresh: its power and energy change only at
	// multiples of it since New. 0 refreshes them at every scrape.
	MetricsRefresh time.Duration
}

// Defaults, exported so that a CLI can show them in its help.
const (
	DefaultModel        = "sim-model"
	DefaultTTFT         = 50 * time.Millisecond
	DefaultITL          = 10 * time.Millisecond
	DefaultMaxNumSeqs   = 16
	DefaultOutputTokens = 256
	DefaultMaxModelLen  = 8192
	DefaultIdleWatts    = 60.0
	DefaultWattsPerSeq  = 25.0
	DefaultMaxWatts     = 400.0
	DefaultGPUs         = 1
	DefaultGPUModelName = "NVIDIA H100 80GB HBM3 (simulated)"
)

// withDefaults validates cfg and returns it with every default filled in.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(cfg.Models) == 0 {
		cfg.Models = []string{DefaultModel}
	} else {
		cfg.Models = append([]string(nil), cfg.Models...)
	}
	seen := map[string]bool{}
	for _, m := range cfg.Models {
		switch {
		case strings.TrimSpace(m) == "":
			bad("sim: model id must not be empty")
		case m != strings.TrimSpace(m):
			bad("sim: model id %q has leading or trailing spaces", m)
		case seen[m]:
			bad("sim: model id %q is listed twice", m)
		}
		seen[m] = true
	}

	cfg.TTFT = durationOrDefault(cfg.TTFT, DefaultTTFT)
	cfg.ITL = durationOrDefault(cfg.ITL, DefaultITL)

	cfg.MaxNumSeqs = intOrDefault(cfg.MaxNumSeqs, DefaultMaxNumSeqs, "MaxNumSeqs", bad)
	cfg.DefaultMaxTokens = intOrDefault(cfg.DefaultMaxTokens, DefaultOutputTokens, "DefaultMaxTokens", bad)
	cfg.MaxModelLen = intOrDefault(cfg.MaxModelLen, DefaultMaxModelLen, "MaxModelLen", bad)
	cfg.GPUs = intOrDefault(cfg.GPUs, DefaultGPUs, "GPUs", bad)

	cfg.IdleWatts = wattsOrDefault(cfg.IdleWatts, DefaultIdleWatts, "IdleWatts", true, bad)
	cfg.WattsPerSeq = wattsOrDefault(cfg.WattsPerSeq, DefaultWattsPerSeq, "WattsPerSeq", true, bad)
	cfg.MaxWatts = wattsOrDefault(cfg.MaxWatts, DefaultMaxWatts, "MaxWatts", false, bad)
	if cfg.MaxWatts < cfg.IdleWatts {
		bad("sim: MaxWatts (%g W) is below IdleWatts (%g W)", cfg.MaxWatts, cfg.IdleWatts)
	}

	if cfg.MetricsRefresh < 0 {
		bad("sim: MetricsRefresh must not be negative, got %s", cfg.MetricsRefresh)
	}
	if cfg.GPUModelName == "" {
		cfg.GPUModelName = DefaultGPUModelName
	}
	return cfg, errors.Join(errs...)
}

func durationOrDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func intOrDefault(v, def int, name string, bad func(string, ...any)) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		bad("sim: %s must be positive, got %d", name, v)
	}
	return v
}

func wattsOrDefault(v, def float64, name string, negativeMeansZero bool, bad func(string, ...any)) float64 {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		bad("sim: %s must be a finite number of watts, got %g", name, v)
	case v == 0:
		return def
	case v < 0 && negativeMeansZero:
		return 0
	case v < 0:
		bad("sim: %s must be positive, got %g W", name, v)
	}
	return v
}
