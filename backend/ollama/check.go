package ollama

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aienergy/aienergy/backend"
)

var hints = backend.CheckHints{
	Start:    "start it with: ollama serve",
	NotFound: "is this an Ollama server? The base URL is the server root, e.g. http://localhost:11434",
}

// Check lists the local models (GET /api/tags) and verifies that model is
// among them; "llama3.2" matches "llama3.2:latest", as in Ollama itself.
// An empty model only checks that the server answers. It gives up after
// the Timeout, or 30 s when none is set.
func (o *Client) Check(ctx context.Context, model string) error {
	status, body, err := o.h.CheckGet(ctx, "/api/tags", hints)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return o.h.StatusError("/api/tags", status, body, hints)
	}
	base := o.h.Base().Redacted()
	var tags struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &tags); err != nil || tags.Models == nil {
		return o.h.CheckErrorf(err, "Ollama server at %s answered GET /api/tags with something that is not an Ollama model list: %s",
			base, o.h.Quote(string(body)))
	}
	if model == "" {
		return nil
	}
	want := fullName(model)
	var served []string
	for _, m := range tags.Models {
		if fullName(m.Name) == want || (m.Model != "" && fullName(m.Model) == want) {
			return nil
		}
		served = append(served, m.Name)
	}
	return o.h.CheckErrorf(nil, "model %q is not on the Ollama server at %s; pull it with: ollama pull %s (local models: %s)",
		model, base, model, backend.Served(served))
}

// fullName adds the default tag: Ollama treats "llama3.2" and
// "llama3.2:latest" as one model. A colon in the last path element is a
// tag; one before a "/" is a registry port.
func fullName(name string) string {
	last := name[strings.LastIndex(name, "/")+1:]
	if strings.Contains(last, ":") {
		return name
	}
	return name + ":latest"
}
