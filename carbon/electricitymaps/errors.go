package electricitymaps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Errors a caller may tell apart (errors.Is); every one means "fall back
// to the embedded table and warn".
var (
	// ErrUnauthorized: the token was refused, or the plan does not cover
	// this zone or endpoint.
	ErrUnauthorized = errors.New("electricity maps refused the API token")
	// ErrUnknownZone: the API does not know the zone.
	ErrUnknownZone = errors.New("electricity maps does not know the zone")
	// ErrNoData: the API answered but had no intensity for the window.
	ErrNoData = errors.New("electricity maps has no carbon intensity for the window")
)

// statusError turns a non-200 answer into an error naming what to fix.
// The body's message is kept (with the token scrubbed, in case a server
// echoes it) because it says which of token, plan or zone is wrong.
func (c *Client) statusError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := apiMessage(body)
	msg = strings.ReplaceAll(msg, c.token, "[token]")
	detail := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if msg != "" {
		detail += ": " + msg
	}
	lower := strings.ToLower(msg)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%s): check the token, and that its plan covers zone %s and this endpoint", ErrUnauthorized, detail, c.zone)
	case resp.StatusCode == http.StatusNotFound || (resp.StatusCode == http.StatusBadRequest && strings.Contains(lower, "zone")):
		return fmt.Errorf("%w %q (%s): zone keys are listed at %s/v3/zones", ErrUnknownZone, c.zone, detail, DefaultBaseURL)
	}
	return fmt.Errorf("electricity maps, zone %s: %s", c.zone, detail)
}

// apiMessage is the human part of an error body: {"error": …} or
// {"message": …}, else the text itself, shortened.
func apiMessage(body []byte) string {
	var v struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v) == nil {
		if s, ok := v.Error.(string); ok && s != "" {
			return s
		}
		if v.Message != "" {
			return v.Message
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
