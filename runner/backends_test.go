package runner

// The runner builds backends through the registry; its tests drive the
// simulator over the OpenAI API.
import (
	"testing"

	_ "github.com/aienergy/aienergy/backend/openai"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// collect holds raw's requests in memory, as a slice raw then reads:
// tests change records in place.
func collect(t *testing.T, raw *rundir.Raw) []trace.Request {
	t.Helper()
	reqs, err := trace.Collect(raw.Requests)
	if err != nil {
		t.Fatal(err)
	}
	raw.Requests = trace.Slice(reqs)
	return reqs
}
