package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// defaults is the Config that a file's keys are written over. Defaults
// that depend on other keys are filled in by resolve.
func defaults() Config {
	return Config{
		Backend: Backend{
			API:     "chat",
			Stream:  true,
			Timeout: 5 * time.Minute,
			// launch.DefaultStartTimeout: config.yaml shows what applies.
			LaunchTimeout: 10 * time.Minute,
			BatchSize:     1,
			Sim: Sim{
				TTFT:        50 * time.Millisecond,
				ITL:         10 * time.Millisecond,
				MaxNumSeqs:  16,
				IdleWatts:   60,
				WattsPerSeq: 25,
				MaxWatts:    400,
				GPUs:        1,
			},
		},
		Scenario: Scenario{
			DatasetName:    BuiltinDataset,
			TextColumnName: "text",
			NumSamples:     10,
		},
		Load: Workload{Concurrency: 1, MaxFailureRatio: DefaultMaxFailureRatio},
		Phases: Phases{
			IdleBefore:     5 * time.Second,
			WarmupRequests: 2,
			IdleAfter:      5 * time.Second,
		},
		Sampling: Sampling{Interval: 100 * time.Millisecond},
		Metrics: Metrics{
			Type:    "codecarbon",
			Enabled: true,
			PUE:     1.0,
		},
		Output: Output{Dir: "runs"},
	}
}

// resolve fills the defaults that depend on other keys. It runs after
// decoding and before validation, so that validation sees what will run.
func (c *Config) resolve(defaultName string) {
	if c.Name == "" {
		c.Name = defaultName
	}
	c.Backend.Type = strings.ToLower(c.Backend.Type)
	c.Backend.API = strings.ToLower(c.Backend.API)
	c.Load.Mode = strings.ToLower(c.Load.Mode)
	c.Metrics.Type = strings.ToLower(c.Metrics.Type)
	c.Metrics.CountryISOCode = strings.ToUpper(c.Metrics.CountryISOCode)
	for i := range c.Reporters {
		c.Reporters[i].Type = strings.ToLower(c.Reporters[i].Type)
	}
	if c.Metrics.ProjectName == "" {
		c.Metrics.ProjectName = c.Name
	}

	// A concurrency above one without a mode means concurrency mode;
	// sequential mode always runs one request at a time.
	if c.Load.Mode == "" {
		c.Load.Mode = "sequential"
		if c.Load.Concurrency > 1 {
			c.Load.Mode = "concurrency"
		}
	}
	if c.Sweep.MaxConcurrency == 0 && !c.src.set("sweep.max_concurrency") {
		c.Sweep.MaxConcurrency = 64
	}
	openLoop := c.Load.Mode == "rate" || len(c.Sweep.Rates) > 0 || c.Sweep.RatesBetween > 0
	if openLoop && c.Load.MaxConcurrency == 0 && !c.src.set("load.max_concurrency") {
		c.Load.MaxConcurrency = DefaultRateMaxConcurrency
	}
	if c.Repetitions == 0 && !c.src.set("repetitions") {
		c.Repetitions = 1
	}
	if len(c.Sweep.Rates) > 0 && c.Load.Mode == "" {
		c.Load.Mode = "rate"
	}
	if c.Load.Mode == "rate" && c.Load.Arrival == "" {
		c.Load.Arrival = "poisson"
	}
	c.Load.Arrival = strings.ToLower(c.Load.Arrival)
	if c.Load.Mode == "sequential" && c.Load.Concurrency > 1 {
		c.Load.Concurrency = 1
	}
	if !c.src.set("load.requests") {
		c.Load.Requests = c.Scenario.NumSamples
	}

	c.nameMeters()
}

// nameMeters gives unnamed meters their type as name, or type-N (N the
// list index) when several meters share that type.
func (c *Config) nameMeters() {
	perType := map[string]int{}
	for _, m := range c.Meters {
		if m.Name == "" {
			perType[m.Type]++
		}
	}
	for i := range c.Meters {
		m := &c.Meters[i]
		if m.Name != "" || m.Type == "" {
			continue
		}
		m.Name = m.Type
		if perType[m.Type] > 1 {
			m.Name = fmt.Sprintf("%s-%d", m.Type, i)
		}
	}
}

// SimMeterURL is the meter url that stands for the built-in simulator's
// /metrics endpoint; the CLI fills in its address when it starts it.
const SimMeterURL = "sim"

// measureNamedEndpoint makes `aienergy run backend.endpoint=URL` measure
// the server at URL. The embedded default's backend is the simulator,
// which has no endpoint: an endpoint given without a type means the
// user's own OpenAI-compatible server, and the simulator's meter, which
// would measure nothing real, is left out. The change is noted, never
// silent; a config file that says type sim and names an endpoint is
// refused by validation instead, since it says two things.
func (c *Config) measureNamedEndpoint() {
	if c.Backend.Type != "sim" || c.Backend.Endpoint == "" || c.src.keys["backend.type"].override != "" {
		return
	}
	c.Backend.Type = "openai"
	c.Notes = append(c.Notes, fmt.Sprintf("backend.endpoint is set: measuring the OpenAI-compatible server at %s (backend.type openai), not the built-in simulator", redact.URLs(c.Backend.Endpoint)))
	kept := c.Meters[:0]
	for _, m := range c.Meters {
		if u, _ := m.Options["url"].(string); u == SimMeterURL {
			c.Notes = append(c.Notes, fmt.Sprintf("meter %s reads the simulator and is left out: add the meters of your server's hardware (list them with aienergy meters)", m.Name))
			continue
		}
		kept = append(kept, m)
	}
	c.Meters = kept
}
