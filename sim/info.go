package sim

import "net/http"

// handleModels serves GET /v1/models.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	list := modelList{Object: "list", Data: []modelCard{}}
	for _, m := range s.cfg.Models {
		list.Data = append(list.Data, modelCard{
			ID:          m,
			Object:      "model",
			Created:     s.origin.Unix(),
			OwnedBy:     "aienergy-sim",
			Root:        m,
			MaxModelLen: s.cfg.MaxModelLen,
		})
	}
	writeJSON(w, http.StatusOK, list)
}

// EnergyReport is the body of GET /sim/energy: the model's own figures, for
// tools and tests that want ground truth without parsing /metrics.
type EnergyReport struct {
	Joules    float64 `json:"joules"`     // since the server started, all GPUs
	Watts     float64 `json:"watts"`      // now, all GPUs
	IdleWatts float64 `json:"idle_watts"` // with nothing running, all GPUs
	GPUs      int     `json:"gpus"`
	Running   int     `json:"running"` // sequences in prefill or decode
	Waiting   int     `json:"waiting"` // requests queued for a slot
	Seconds   float64 `json:"seconds"` // since the server started
}

// handleEnergy serves GET /sim/energy.
func (s *Server) handleEnergy(w http.ResponseWriter, r *http.Request) {
	snap := s.engine.snapshot()
	writeJSON(w, http.StatusOK, EnergyReport{
		Joules:    snap.joules,
		Watts:     snap.watts,
		IdleWatts: s.IdleWatts(),
		GPUs:      s.cfg.GPUs,
		Running:   snap.running,
		Waiting:   snap.waiting,
		Seconds:   snap.at.Sub(s.origin).Seconds(),
	})
}
