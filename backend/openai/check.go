package openai

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/aienergy/aienergy/backend"
)

// Check lists the server's models (GET {base}/models) and verifies that
// model is among them. An empty model only checks that the server answers.
// It gives up after the options' Timeout, or 30 s when none is set.
// Errors say what is wrong and what to do, and never contain the API key.
func (c *Client) Check(ctx context.Context, model string) error {
	status, body, err := c.h.CheckGet(ctx, "/models", c.hints)
	if err != nil {
		return err
	}
	if status < http.StatusOK || status > 299 {
		return c.h.StatusError("/models", status, body, c.hints)
	}
	base := c.h.Base().Redacted()
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Data == nil {
		return c.h.CheckErrorf(err, "model server at %s answered GET /models with something that is not an OpenAI model list: %s",
			base, c.h.Quote(string(body)))
	}
	if model == "" {
		return nil
	}
	served := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID == model {
			return nil
		}
		served = append(served, m.ID)
	}
	return c.h.CheckErrorf(nil, "model %q is not served by %s; served: %s", model, base, backend.Served(served))
}
