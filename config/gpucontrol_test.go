package config

import (
	"slices"
	"testing"
)

func TestGPUSweepConfig(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		overrides []string
		kind      string // GPUControlType
		limits    []float64
		clocks    []int
		devices   []string
	}{
		{name: "simulator by default", yaml: "backend: {type: sim, model: m}\nsweep: {power_limits_w: [400, 250.5], concurrency: [1, 8]}\n",
			kind: "sim", limits: []float64{400, 250.5}},
		{name: "nvml by default", yaml: "backend: {type: vllm, model: m, endpoint: 'http://h:8000/v1'}\nsweep: {gpu_clocks_mhz: [1980, 1410]}\ngpu_control: {devices: [0, GPU-5a3c]}\n",
			kind: "nvml", clocks: []int{1980, 1410}, devices: []string{"0", "GPU-5a3c"}},
		{name: "a simulator elsewhere", yaml: "backend: {type: openai, model: m, endpoint: 'http://h:8000/v1'}\nsweep: {power_limits_w: [300]}\ngpu_control: {type: sim, url: 'http://h:8000'}\n",
			kind: "sim", limits: []float64{300}},
		{name: "overrides", yaml: "backend: {type: sim, model: m}\n", overrides: []string{"sweep.power_limits_w=[300,200]", "sweep.gpu_clocks_mhz=[1500]"},
			kind: "sim", limits: []float64{300, 200}, clocks: []int{1500}},
		// A gpu_control block kept in a config without a GPU sweep is
		// no mistake: nothing is set.
		{name: "no GPU sweep", yaml: "backend: {type: sim, model: m}\ngpu_control: {type: sim}\n", kind: "sim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("x.yaml", []byte(tt.yaml), tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.GPUControlType(); got != tt.kind {
				t.Errorf("GPUControlType() = %q, want %q", got, tt.kind)
			}
			if !slices.Equal(c.Sweep.PowerLimitsW, tt.limits) || !slices.Equal(c.Sweep.GPUClocksMHz, tt.clocks) || !slices.Equal(c.GPUControl.Devices, tt.devices) {
				t.Errorf("sweep %+v, devices %q", c.Sweep, c.GPUControl.Devices)
			}
			if c.SweepsGPU() != (len(tt.limits)+len(tt.clocks) > 0) {
				t.Errorf("SweepsGPU() = %v", c.SweepsGPU())
			}
		})
	}
}

func TestGPUSweepErrors(t *testing.T) {
	const sim = "backend: {type: sim, model: m}\n"
	const vllm = "backend: {type: vllm, model: m, endpoint: 'http://h:8000/v1'}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"zero watts", sim + "sweep: {power_limits_w: [300, 0]}\n",
			`x.yaml:2: sweep.power_limits_w[1]: must be a power limit in watts, above 0 and at most 100000, got 0`},
		{"milliwatts for watts", sim + "sweep: {power_limits_w: [300000000]}\n",
			`x.yaml:2: sweep.power_limits_w[0]: must be a power limit in watts, above 0 and at most 100000, got 3e+08`},
		{"twice", sim + "sweep: {power_limits_w: [300, 250, 300]}\n",
			`x.yaml:2: sweep.power_limits_w[2]: 300 W is listed twice (also at sweep.power_limits_w[0]); use repetitions to measure a point again`},
		{"negative clock", sim + "sweep: {gpu_clocks_mhz: [-5]}\n",
			`x.yaml:2: sweep.gpu_clocks_mhz[0]: must be a graphics clock in MHz, 1 to 100000, got -5`},
		{"clock twice", sim + "sweep:\n  gpu_clocks_mhz:\n    - 1410\n    - 1410\n",
			`x.yaml:5: sweep.gpu_clocks_mhz[1]: 1410 MHz is listed twice (also at sweep.gpu_clocks_mhz[0]); use repetitions to measure a point again`},
		{"float clock", sim + "sweep: {gpu_clocks_mhz: [1410.5]}\n",
			`x.yaml:2: sweep.gpu_clocks_mhz[0]: expected an integer, got "1410.5"`},
		{"automatic sweep", sim + "sweep: {power_limits_w: [300], rates_between: 3}\n",
			`x.yaml:2: sweep.rates_between: an automatic sweep cannot be combined with sweep.power_limits_w or sweep.gpu_clocks_mhz: list sweep.concurrency or sweep.rates instead`},
		{"bad type", sim + "gpu_control: {type: nvlm}\n",
			`x.yaml:2: gpu_control.type: unknown GPU control type "nvlm" (valid: nvml, sim; did you mean "nvml"?)`},
		{"bad device", sim + "gpu_control: {devices: [MIG-1]}\n",
			`x.yaml:2: gpu_control.devices[0]: want a GPU index such as 0 or a UUID such as GPU-5a3c… (nvidia-smi -L lists them), got "MIG-1"`},
		{"bad url", vllm + "gpu_control: {type: sim, url: 'h:8000'}\n",
			`x.yaml:2: gpu_control.url: must be the http:// URL of an aienergy sim, such as http://127.0.0.1:8000, got "h:8000"`},
		{"nvml on the simulator", sim + "sweep: {power_limits_w: [300]}\ngpu_control: {type: nvml}\n",
			`x.yaml:3: gpu_control.type: backend.type sim measures the simulator's modeled GPUs, which only gpu_control.type sim sets: leave gpu_control.type out`},
		{"sim without its address", vllm + "sweep: {power_limits_w: [300]}\ngpu_control: {type: sim}\n",
			`x.yaml:3: gpu_control.type: gpu_control.type sim sets the built-in simulator's GPUs, but backend.type is vllm: give gpu_control.url, the address of the aienergy sim to set, or use gpu_control.type nvml`},
		{"url of the built-in simulator", sim + "sweep: {power_limits_w: [300]}\ngpu_control: {url: 'http://h:8000'}\n",
			`x.yaml:3: gpu_control.url: backend.type sim measures the built-in simulator, whose GPUs are set: leave gpu_control.url out`},
		{"url for nvml", vllm + "sweep: {power_limits_w: [300]}\ngpu_control: {type: nvml, url: 'http://h:8000'}\n",
			`x.yaml:3: gpu_control.url: applies to gpu_control.type sim only`},
		// Every limit multiplies the load points: 3 × 2 × 2 × 1000 runs.
		{"too many runs", sim + "repetitions: 1000\nsweep: {power_limits_w: [300, 250, 200], gpu_clocks_mhz: [1980, 1410], concurrency: [1, 8]}\n",
			`x.yaml:2: repetitions: runs 12000 model variants (1 models × 2 sweep points × 1000 repetitions × 6 GPU settings); the limit is 10000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml), nil)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
