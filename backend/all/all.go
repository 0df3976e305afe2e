// Package all registers every backend kind aienergy ships. Import it for
// its side effect wherever backends are built from configuration:
//
//	import _ "github.com/aienergy/aienergy/backend/all"
package all

import (
	_ "github.com/aienergy/aienergy/backend/kserve" // kserve (triton)
	_ "github.com/aienergy/aienergy/backend/ollama" // ollama
	_ "github.com/aienergy/aienergy/backend/openai" // openai (vllm, tgi, sglang, llamacpp)
)
