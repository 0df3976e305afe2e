package runner

// The runner builds backends through the registry; its tests drive the
// simulator over the OpenAI API.
import _ "github.com/aienergy/aienergy/backend/openai"
