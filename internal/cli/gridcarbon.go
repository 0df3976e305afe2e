package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aienergy/aienergy/carbon/electricitymaps"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/rundir"
)

// fetchGridIntensity asks Electricity Maps, when the config names a zone,
// for the grid's carbon intensity over the run and records it in run.json,
// so that `aienergy report` reproduces the figures without asking again.
// Any failure leaves the embedded table in use and is recorded as a
// warning; it never fails the run.
func fetchGridIntensity(ctx context.Context, log *slog.Logger, dir string) error {
	var meta rundir.Meta
	if err := rundir.ReadJSON(dir, rundir.MetaFile, &meta); err != nil {
		return err
	}
	c := &meta.Carbon
	if c.LiveZone == "" || c.IntensitySource != "" || c.IntensityGPerKWh > 0 {
		return nil
	}
	ci, err := liveIntensity(ctx, c, meta.StartedAt, meta.EndedAt)
	if err != nil {
		c.IntensityError = err.Error()
		log.Warn(fmt.Sprintf("Electricity Maps: %v; using the embedded table", err))
	} else {
		ci := ci.CarbonIntensity()
		c.IntensityGPerKWh, c.IntensityName, c.IntensitySource = ci.GCO2eqPerKWh, ci.Name, ci.Source
	}
	return rundir.WriteJSON(dir, rundir.MetaFile, meta)
}

func liveIntensity(ctx context.Context, c *rundir.Carbon, from, to time.Time) (*electricitymaps.Result, error) {
	token := ""
	if c.LiveTokenEnv != "" {
		token = os.Getenv(c.LiveTokenEnv)
		if token == "" {
			return nil, fmt.Errorf("environment variable %s (metrics.electricity_maps_token_env) is not set", c.LiveTokenEnv)
		}
	}
	red := redact.New(token) // an error quoting the server must not show the token
	client, err := electricitymaps.New(electricitymaps.Options{BaseURL: c.LiveURL, Token: token, Zone: c.LiveZone})
	if err != nil {
		return nil, red.Error(err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	res, err := client.Intensity(ctx, from, to)
	return res, red.Error(err)
}
