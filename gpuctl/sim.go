package gpuctl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// simGPU is one GPU as the simulator's GET /sim/gpu reports it (the sim
// package's GPUState; decoded here so that this package needs no server).
type simGPU struct {
	Index              int     `json:"index"`
	UUID               string  `json:"uuid"`
	Name               string  `json:"name"`
	PowerLimitW        float64 `json:"power_limit_w"`
	DefaultPowerLimitW float64 `json:"default_power_limit_w"`
	MinPowerLimitW     float64 `json:"min_power_limit_w"`
	MaxPowerLimitW     float64 `json:"max_power_limit_w"`
	LockedClockMHz     int     `json:"locked_clock_mhz"`
	MinClockMHz        int     `json:"min_clock_mhz"`
	MaxClockMHz        int     `json:"max_clock_mhz"`
	ClockMHz           int     `json:"clock_mhz"`
}

// simController reaches the modeled GPUs of an aienergy simulator.
type simController struct {
	base    string
	client  *http.Client
	devices []Device
}

// simTimeout bounds one call: the simulator answers at once, and a
// restore must not hang on one that is gone.
const simTimeout = 10 * time.Second

// Sim reaches the GPUs of the aienergy simulator at base (such as
// http://127.0.0.1:8000) through its /sim/gpu API; devices picks some
// by index or UUID (none: all).
func Sim(base string, devices []string) (Controller, error) {
	c := &simController{base: strings.TrimSuffix(base, "/"), client: &http.Client{Timeout: simTimeout}}
	gpus, err := c.get()
	if err != nil {
		return nil, err
	}
	all := make([]Device, len(gpus))
	for i, g := range gpus {
		all[i] = &simDevice{c: c, info: Info{Index: g.Index, UUID: g.UUID, Name: g.Name}}
	}
	if c.devices, err = Select(all, devices); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *simController) Where() Where      { return Where{Type: "sim", URL: c.base} }
func (c *simController) Devices() []Device { return c.devices }
func (c *simController) Close() error      { c.client.CloseIdleConnections(); return nil }

// get reads every GPU.
func (c *simController) get() ([]simGPU, error) {
	resp, err := c.client.Get(c.base + "/sim/gpu")
	if err != nil {
		return nil, fmt.Errorf("simulator at %s: %w", c.base, err)
	}
	return c.decode(resp)
}

// post sends one setting, as the simulator's GPUSetting.
func (c *simController) post(setting map[string]any) error {
	body, err := json.Marshal(setting)
	if err != nil {
		return err
	}
	resp, err := c.client.Post(c.base+"/sim/gpu", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("simulator at %s: %w", c.base, err)
	}
	_, err = c.decode(resp)
	return err
}

// decode reads a GPUReport, or the simulator's error message.
func (c *simController) decode(resp *http.Response) ([]simGPU, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("simulator at %s: %w", c.base, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s has no /sim/gpu: not an aienergy simulator, or one too old to set GPUs", c.base)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return nil, errors.New(e.Error.Message)
		}
		return nil, fmt.Errorf("simulator at %s: %s", c.base, resp.Status)
	}
	var rep struct {
		GPUs []simGPU `json:"gpus"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("simulator at %s: reading /sim/gpu: %w", c.base, err)
	}
	return rep.GPUs, nil
}

// simDevice is one modeled GPU. Each call is one round trip.
type simDevice struct {
	c    *simController
	info Info
}

func (d *simDevice) Info() Info { return d.info }

func (d *simDevice) state() (simGPU, error) {
	gpus, err := d.c.get()
	if err != nil {
		return simGPU{}, err
	}
	for _, g := range gpus {
		if g.UUID == d.info.UUID {
			return g, nil
		}
	}
	return simGPU{}, fmt.Errorf("the simulator at %s no longer has GPU %s", d.c.base, d.info.UUID)
}

func (d *simDevice) Power() (Power, error) {
	g, err := d.state()
	return Power{LimitW: g.PowerLimitW, EnforcedW: g.PowerLimitW, DefaultW: g.DefaultPowerLimitW,
		MinW: g.MinPowerLimitW, MaxW: g.MaxPowerLimitW}, err
}

func (d *simDevice) SetPowerLimit(watts float64) error {
	return d.c.post(map[string]any{"index": d.info.Index, "power_limit_w": watts})
}

func (d *simDevice) Clock() (Clock, error) {
	g, err := d.state()
	return Clock{CurrentMHz: g.ClockMHz, MinMHz: g.MinClockMHz, MaxMHz: g.MaxClockMHz,
		LockedMHz: g.LockedClockMHz, LockKnown: true}, err
}

func (d *simDevice) LockClock(mhz int) error {
	return d.c.post(map[string]any{"index": d.info.Index, "clock_mhz": mhz})
}

func (d *simDevice) UnlockClock() error {
	return d.c.post(map[string]any{"index": d.info.Index, "clock_mhz": 0})
}
