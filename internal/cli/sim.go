package cli

import (
	"fmt"
	"maps"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/runner"
	"github.com/aienergy/aienergy/sim"
)

func newSimCmd() *cobra.Command {
	var cfg sim.Config
	var addr string
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the built-in simulated model server (OpenAI API + dcgm-exporter metrics)",
		Long: `Serve aienergy's simulated model server: an OpenAI-compatible API that behaves
like vLLM (/v1/models, /v1/chat/completions, /v1/completions, /health, SSE
streaming with usage), with a modeled GPU whose power rises with the number of
running sequences, exposed on /metrics exactly as NVIDIA's dcgm-exporter would
(DCGM_FI_DEV_POWER_USAGE in W, DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION in mJ).
/sim/energy reports the exact modeled energy as JSON.

It binds to loopback unless --addr says otherwise.`,
		Example: `  aienergy sim --addr 127.0.0.1:8000 &
  curl -s 127.0.0.1:8000/v1/models
  aienergy run my.yaml backend.endpoint=http://127.0.0.1:8000/v1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := sim.New(cfg)
			if err != nil {
				return usageError{err}
			}
			url, err := s.Start(addr)
			if err != nil {
				return err
			}
			defer s.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "aienergy sim serving %v at %s/v1 (metrics at %s/metrics); Ctrl-C stops\n",
				cfg.Models, url, url)
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8000", "listen address (host:port)")
	f.StringSliceVar(&cfg.Models, "model", []string{"sim-model"}, "served model id (repeat for several)")
	f.DurationVar(&cfg.TTFT, "ttft", 0, "time to first token (default 50ms)")
	f.DurationVar(&cfg.ITL, "itl", 0, "inter-token latency (default 10ms)")
	f.IntVar(&cfg.MaxNumSeqs, "max-num-seqs", 0, "sequences running at once; more wait in a queue (default 16)")
	f.IntVar(&cfg.DefaultMaxTokens, "default-max-tokens", 0, "output length cap when a request sets none (default 256)")
	f.Float64Var(&cfg.IdleWatts, "idle-watts", 0, "modeled idle power per GPU in W (default 60)")
	f.Float64Var(&cfg.WattsPerSeq, "watts-per-seq", 0, "extra W per running sequence per GPU (default 25)")
	f.Float64Var(&cfg.MaxWatts, "max-watts", 0, "power cap per GPU in W (default 400)")
	f.IntVar(&cfg.GPUs, "gpus", 0, "modeled GPUs, load split evenly (default 1)")
	f.Int64Var(&cfg.Seed, "seed", 0, "seed for output lengths")
	return cmd
}

// startSim starts the built-in simulator for a plan whose backend is
// "sim", the way a user would start `aienergy sim` by hand: an
// OpenAI-compatible server on a loopback port, measured through its
// dcgm-exporter /metrics by the meters whose url is "sim". The plan is
// pointed at it and given its modeled energy as the run's truth; the
// runner sees an ordinary server. stop shuts it down.
func startSim(cfg *config.Config, p *runner.Plan) (stop func(), err error) {
	if cfg.Backend.Type != "sim" {
		return func() {}, nil
	}
	sc := cfg.Backend.Sim
	s, err := sim.New(sim.Config{
		Models: p.Models, TTFT: sc.TTFT, ITL: sc.ITL, MaxNumSeqs: sc.MaxNumSeqs,
		IdleWatts: sc.IdleWatts, WattsPerSeq: sc.WattsPerSeq, MaxWatts: sc.MaxWatts,
		GPUs: sc.GPUs, Seed: sc.Seed, MetricsRefresh: sc.MetricsRefresh,
	})
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	p.BackendType = "openai"
	p.Backend.BaseURL = url + "/v1"
	p.Meta.Backend.Endpoint = p.Backend.BaseURL
	p.Truth = s
	for i, m := range p.Meters {
		if u, _ := m.Options["url"].(string); u == config.SimMeterURL {
			p.Meters[i].Options = maps.Clone(m.Options)
			p.Meters[i].Options["url"] = url + "/metrics"
		}
	}
	return func() { s.Close() }, nil
}
