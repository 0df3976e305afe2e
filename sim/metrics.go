package sim

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// gpuLabels are the identity labels dcgm-exporter puts on every series of
// one GPU, already rendered.
type gpuLabels string

// pciBuses are the PCI buses of an 8-GPU HGX H100 board, so that the
// simulated ids look familiar.
var pciBuses = [...]int{0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb}

func newGPULabels(cfg Config) []gpuLabels {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	labels := make([]gpuLabels, cfg.GPUs)
	for i := range labels {
		bus := 0x100 + i // past the board's buses; still a valid-looking id
		if i < len(pciBuses) {
			bus = pciBuses[i]
		}
		a := splitmix64(uint64(cfg.Seed) + uint64(2*i))
		b := splitmix64(uint64(cfg.Seed) + uint64(2*i+1))
		uuid := fmt.Sprintf("GPU-%08x-%04x-%04x-%04x-%012x",
			a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
		labels[i] = gpuLabels(fmt.Sprintf(
			`gpu="%d",UUID="%s",pci_bus_id="%08X:%02X:00.0",device="nvidia%d",modelName="%s",Hostname="%s"`,
			i, uuid, 0, bus, i, escapeLabel(cfg.GPUModelName), escapeLabel(host)))
	}
	return labels
}

// handleMetrics serves GET /metrics: per-GPU power and energy as NVIDIA's
// dcgm-exporter writes them, then the vLLM engine gauges and counters. The
// energy counter is the model's exact integral at the scrape, in whole mJ;
// with Config.MetricsRefresh both DCGM series hold their values between
// refresh instants (see engine.refreshedLocked).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	snap := s.engine.snapshot()
	var b bytes.Buffer

	perGPUWatts := snap.meterWatts / float64(s.cfg.GPUs)
	family(&b, "DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).")
	for _, l := range s.gpus {
		fmt.Fprintf(&b, "DCGM_FI_DEV_POWER_USAGE{%s} %f\n", l, perGPUWatts)
	}
	perGPUmJ := int64(math.Round(snap.meterJoules / float64(s.cfg.GPUs) * 1000))
	family(&b, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).")
	for _, l := range s.gpus {
		fmt.Fprintf(&b, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{%s} %d\n", l, perGPUmJ)
	}

	type series struct {
		name, kind, help string
		value            func(modelStats) float64
	}
	for _, f := range []series{
		{"vllm:num_requests_running", "gauge", "Number of requests in model execution batches.",
			func(m modelStats) float64 { return float64(m.running) }},
		{"vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.",
			func(m modelStats) float64 { return float64(m.waiting) }},
		{"vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.",
			func(m modelStats) float64 { return float64(m.promptTokens) }},
		{"vllm:generation_tokens_total", "counter", "Number of generation tokens processed.",
			func(m modelStats) float64 { return float64(m.generationTokens) }},
	} {
		family(&b, f.name, f.kind, f.help)
		for _, name := range s.cfg.Models {
			fmt.Fprintf(&b, "%s{engine=\"0\",model_name=\"%s\"} %s\n",
				f.name, escapeLabel(name), pyFloat(f.value(snap.models[name])))
		}
	}
	family(&b, "vllm:request_success_total", "counter", "Count of successfully processed requests.")
	for _, name := range s.cfg.Models {
		for _, reason := range []string{finishStop, finishLength, finishAbort} {
			fmt.Fprintf(&b, "vllm:request_success_total{engine=\"0\",finished_reason=\"%s\",model_name=\"%s\"} %s\n",
				reason, escapeLabel(name), pyFloat(float64(snap.models[name].finished[reason])))
		}
	}

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(b.Bytes())
}

func family(b *bytes.Buffer, name, kind, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

// escapeLabel escapes a label value for the Prometheus text format.
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

// pyFloat formats v as Python's prometheus_client does, "3.0" not "3".
func pyFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}
