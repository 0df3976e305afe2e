// Package sim is a simulated model server: it speaks vLLM's OpenAI-compatible
// HTTP API and models the power drawn by the GPUs it pretends to run on, so
// that aienergy can be exercised end to end on a machine without a GPU.
//
// # Endpoints
//
//	GET  /health               200, empty body
//	GET  /v1/models            the served models, as vLLM lists them
//	POST /v1/chat/completions  chat, streamed (SSE) or not
//	POST /v1/completions       text completion, streamed (SSE) or not
//	GET  /metrics              dcgm-exporter power and energy per GPU, vllm:* engine metrics
//	GET  /sim/energy           the model's own figures as JSON (EnergyReport)
//	GET  /sim/gpu              each GPU's power limit and clock (GPUReport)
//	POST /sim/gpu              set them, as nvidia-smi -pl / -lgc would (GPUSetting)
//
// Errors use vLLM's OpenAI-style body, {"error":{"message","type","param","code"}}.
//
// # Scheduling and timing
//
// Up to Config.MaxNumSeqs sequences run at once; further requests wait in a
// FIFO queue. A sequence admitted to a slot spends Config.TTFT in prefill,
// emits its first token, then one more token every Config.ITL. The slot is
// freed when the last token is emitted or when the client goes away.
//
// # Power model
//
// At any instant each GPU draws
//
//	P = min(MaxWatts, IdleWatts + WattsPerSeq × running)
//
// where running counts sequences in prefill or decode (queued ones do not
// count). Every GPU carries the same load, as with tensor parallelism, so
// the total is GPUs × P. A power limit or locked clock set through
// /sim/gpu slows the GPUs and lowers P (see MaxClockMHz for the model).
// Power is piecewise constant between admissions and
// completions; the server logs each change, so Energy integrates the model
// exactly rather than by sampling.
//
// /metrics shows each GPU's power and energy counter as of the scrape. A
// real dcgm-exporter refreshes them only every collect interval (1–30 s);
// Config.MetricsRefresh imitates that: both change only at New + k ×
// MetricsRefresh and hold in between, the counter at its exact value at
// that instant and the power at its average over the interval that ended
// there (NVML's trailing average). Energy and /sim/energy stay exact.
//
// # Energy per request
//
// The model also states what each request is due: every running sequence
// adds the same draw, so at each instant the running sequences share P
// equally, gross, and P − IdleWatts × GPUs, net. RequestEnergy (by the
// response id) and RequestEnergies give each finished request's share from
// admission to its first token (prefill) and to its release, exactly, as
// the ground truth for per-request attribution.
//
// # Token counts
//
// Text is counted by a deterministic stand-in tokenizer: within each
// whitespace-separated word, every maximal run of letters, digits and other
// non-punctuation characters is one token and every punctuation or symbol
// character is one token ("Hello, world!" is 4 tokens). A chat prompt adds a
// template overhead of 4 tokens per message plus 3 for the reply priming, as
// chat templates do. A completions prompt given as token ids counts one per
// id.
//
// # Output length
//
// With ignore_eos the output is exactly max_tokens long. Otherwise its length
// L is drawn from [min_tokens, max_tokens] (min_tokens defaults to 1) by a
// hash of the seed, the model and the prompt, so the same request always gets
// the same length. When L < max_tokens the sequence ends with an end-of-sequence
// token: it is counted in completion_tokens, carries no text, and the finish
// reason is "stop". When L == max_tokens the cap cut generation and the finish
// reason is "length". As in vLLM, a stream carries one chunk per generated
// token, and the last of them carries the finish reason.
package sim
