package electricitymaps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// point is one entry of the API's "history" or "data" list.
type point struct {
	Zone               string    `json:"zone"`
	CarbonIntensity    *float64  `json:"carbonIntensity"` // null where the API has no figure
	Datetime           time.Time `json:"datetime"`
	EmissionFactorType string    `json:"emissionFactorType"`
	IsEstimated        bool      `json:"isEstimated"`
	EstimationMethod   *string   `json:"estimationMethod"`
}

type response struct {
	Zone    string  `json:"zone"`
	History []point `json:"history"` // /history
	Data    []point `json:"data"`    // /past-range
}

const (
	historyPath   = "/v3/carbon-intensity/history"
	pastRangePath = "/v3/carbon-intensity/past-range"
	// historySpan is how far back /history reaches (24 h), less a margin
	// for the latest hour not being published yet.
	historySpan = 23 * time.Hour
	// maxRange is past-range's limit per request at hourly granularity.
	maxRange = 240 * time.Hour
)

// fetch gets every point that may cover [from, to]: from /history when the
// window lies within its last 24 hours (open to free tokens), else from
// /past-range in requests of at most 10 days.
func (c *Client) fetch(ctx context.Context, from, to time.Time) ([]point, string, error) {
	if !from.Before(c.now().Add(-historySpan)) {
		pts, err := c.get(ctx, historyPath, url.Values{})
		return pts, "history", err
	}
	start := from.UTC().Truncate(time.Hour)
	end := to.UTC().Truncate(time.Hour).Add(time.Hour)
	var all []point
	for s := start; s.Before(end); s = s.Add(maxRange) {
		e := s.Add(maxRange)
		if e.After(end) {
			e = end
		}
		pts, err := c.get(ctx, pastRangePath, url.Values{
			"start": {s.Format(time.RFC3339)},
			"end":   {e.Format(time.RFC3339)},
		})
		if err != nil {
			return nil, "past-range", err
		}
		all = append(all, pts...)
	}
	return all, "past-range", nil
}

func (c *Client) get(ctx context.Context, path string, q url.Values) ([]point, error) {
	q.Set("zone", c.zone)
	if c.factor != "" {
		q.Set("emissionFactorType", c.factor)
	}
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("electricity maps: %w", err)
	}
	req.Header.Set("auth-token", c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// The URL holds no secret (the token is a header), so the
		// transport's error can be shown as is.
		return nil, fmt.Errorf("electricity maps, zone %s: %w", c.zone, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp)
	}
	var r response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("electricity maps, zone %s: %s: unreadable answer: %w", c.zone, path, err)
	}
	if r.History != nil {
		return r.History, nil
	}
	return r.Data, nil
}
