// Package electricitymaps reads the grid carbon intensity of a run's
// window from the Electricity Maps API (v3), so that a run's gCO2eq can
// use the grid as it was during the run instead of a country's yearly
// average. Any error — a refused token, an unknown zone, no data for the
// window — means the caller falls back to the embedded yearly table and
// says so; errors never contain the token.
//
// Endpoints (https://static.electricitymap.org/api/docs/, the portal's API
// reference): GET /v3/carbon-intensity/history?zone=Z returns the last 24
// hours, hourly, and is open to free personal tokens; GET
// /v3/carbon-intensity/past-range?zone=Z&start=T&end=T returns a past range
// (at most 10 days per request at hourly granularity; commercial plans).
// Both authenticate with the header "auth-token: TOKEN" and return
// {"zone", "history" | "data": [{"zone", "carbonIntensity" (gCO2eq/kWh),
// "datetime", "updatedAt", "createdAt", "emissionFactorType",
// "isEstimated", "estimationMethod"}]}. The emission factors are lifecycle
// (LCA: construction, fuel supply, generation) unless emissionFactorType=
// direct (operational, combustion only) is asked for.
package electricitymaps

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the API's host; paths start with /v3.
const DefaultBaseURL = "https://api.electricitymap.org"

// Emission factor types the API accepts.
const (
	Lifecycle = "lifecycle" // the API's default
	Direct    = "direct"
)

// Options configure a Client.
type Options struct {
	BaseURL string // default DefaultBaseURL
	Token   string // the API token, sent as the auth-token header
	Zone    string // an Electricity Maps zone key: "DE", "US-CAL-CISO", "DK-DK2"
	// EmissionFactorType is Lifecycle, Direct, or "" for the API's
	// default (lifecycle).
	EmissionFactorType string
	Client             *http.Client // default: a client with a 30 s timeout
	// Now is the current time, which decides between the free 24-hour
	// history endpoint and past-range; default time.Now.
	Now func() time.Time
}

// Client asks Electricity Maps for one zone's carbon intensity.
type Client struct {
	base   *url.URL
	token  string
	zone   string
	factor string
	http   *http.Client
	now    func() time.Time
}

// New checks the options and returns a Client.
func New(o Options) (*Client, error) {
	if strings.TrimSpace(o.Token) == "" {
		return nil, fmt.Errorf("electricity maps: no API token (get one at https://portal.electricitymaps.com)")
	}
	if strings.TrimSpace(o.Zone) == "" {
		return nil, fmt.Errorf("electricity maps: no zone given (a zone key such as DE or US-CAL-CISO; see %s/v3/zones)", DefaultBaseURL)
	}
	switch o.EmissionFactorType {
	case "", Lifecycle, Direct:
	default:
		return nil, fmt.Errorf("electricity maps: emission factor type %q: want %q or %q", o.EmissionFactorType, Lifecycle, Direct)
	}
	raw := o.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("electricity maps: base URL %q: want http(s)://host", raw)
	}
	c := &Client{base: base, token: o.Token, zone: strings.TrimSpace(o.Zone), factor: o.EmissionFactorType, http: o.Client, now: o.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Zone is the zone the client asks about.
func (c *Client) Zone() string { return c.zone }
