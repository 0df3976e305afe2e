// Package dataset provides the prompts a benchmark sends. A dataset name
// (scenario.dataset_name) picks the source:
//
//	builtin                   the built-in prompt set (the embedded default)
//	synthetic:<input_tokens>  generated prompts of a target input length
//	file:<path>               a local .jsonl, .csv or .parquet file; a name
//	                          starting with /, ./ or ../, or ending in
//	                          .jsonl, .csv or .parquet is a file too
//	<owner>/<name>            a Hugging Face Hub dataset, such as
//	                          AIEnergyScore/text_generation
//
// Inline prompts (scenario.prompts), when given, win over every source.
//
// # Text column
//
// Local files and Hub datasets hold one prompt per row in the text column
// (Spec.TextColumn, default "text"). When the column is the default and a
// source has no "text", the column "prompt" is used instead, and for JSONL
// a "messages" list (OpenAI chat format) gives its first user message:
// chat templates are the server's business, so only the text is kept.
// Any other column that is missing is an error that lists the columns.
// Null and empty values are skipped and counted (Set.Skipped).
//
// # Sampling
//
// Rows are taken in file order; with Spec.Shuffle they are first shuffled
// by a PCG generator seeded with Spec.Seed (math/rand/v2, whose output is
// fixed for a seed), so a seed gives the same prompts on every machine.
// Spec.NumSamples > 0 keeps that many; a source with fewer rows keeps them
// all and says so in Set.Warnings (the runner cycles through them).
//
// # Limits
//
// Files are streamed, never read whole: without Shuffle, reading stops
// once NumSamples prompts are in hand; with it, the source is read twice,
// to count its rows and then to keep only those the shuffle picks (the
// same prompts as shuffling every row). A record (JSONL line, CSV record,
// Parquet value) may hold 16 MiB, the prompts kept 64 MiB, and a source
// 10 million rows; a Parquet file's stated sizes are checked before
// parquet-go allocates them and its panics are recovered into errors.
// docs/limits.md has the details.
//
// # Hugging Face Hub
//
// Hub datasets are read from the Parquet conversion that the Hub keeps on
// every dataset's refs/convert/parquet branch, through the Hub API that
// lists it (documented in the dataset viewer docs, "List Parquet files",
// "Using the Hugging Face Hub API"):
//
//	GET {endpoint}/api/datasets/{repo}/parquet
//	    → {"<config>": {"<split>": ["<url of shard 0>", ...]}, ...}
//	GET {endpoint}/api/datasets/{repo}/parquet/{config}/{split}/{n}.parquet
//	    → redirect to {endpoint}/datasets/{repo}/resolve/refs%2Fconvert%2Fparquet/{config}/{split}/{nnnn}.parquet
//
// The listing gives the configs and splits in the Hub's order and the
// number of shards; each shard is fetched by its shard-index URL built on
// the endpoint (not the URL in the listing), so a mirror set with
// HF_ENDPOINT serves both. The datasets-server /parquet API on its own
// host was not chosen because mirrors do not serve it.
//
// Config: Spec.Config, else the first config the Hub lists. Split:
// Spec.Split, else "train", else "test", else the only split; a split the
// Hub converted only partly ("partial-train") is used for "train".
// Without Shuffle only the shards needed for NumSamples are downloaded;
// with Shuffle every shard of the split is.
//
// Environment (read by HubFromEnv, as huggingface_hub reads it):
//
//	HF_ENDPOINT      Hub or mirror base URL (default https://huggingface.co)
//	HF_TOKEN         sent as "Authorization: Bearer <token>" (gated and
//	                 private datasets); Go drops it on redirects to other hosts
//	HF_HUB_OFFLINE   1/true/yes/on: no network, cache only
//	HF_HUB_CACHE     cache folder; else $HF_HOME/hub; else
//	                 $XDG_CACHE_HOME/huggingface/hub; else ~/.cache/huggingface/hub
//
// Cache layout (aienergy's own, inside the huggingface_hub cache folder
// but not huggingface_hub's blobs/snapshots layout, so neither tool reads
// the other's files):
//
//	{cache}/datasets--{owner}--{name}/aienergy-parquet/listing.json
//	{cache}/datasets--{owner}--{name}/aienergy-parquet/{config}/{split}/{nnnn}.parquet
//
// Files are written to a temporary name in the same folder and renamed
// into place once complete, so an interrupted download never leaves a
// truncated shard. A cached shard is reused as is (the conversion branch
// rarely changes; delete the folder to refresh); the listing is fetched
// again on every online run, and the cached one is used, with a warning,
// when the Hub cannot be reached.
//
// # Synthetic prompts
//
// synthetic:<n> (or Spec.SyntheticTokens) makes prompts of n words, vLLM's
// "random" dataset idea with words instead of token ids, since aienergy
// has no tokenizer. A word stands for a token: after the first, every
// word is drawn (from the seed and the prompt's index) from a list of
// short, common English words, which BPE tokenizers mostly encode as one
// token each. The first word is a unique id ("3fa2c19e-17": 8 hex digits
// from the seed, then the index), which takes several tokens, so a
// prompt is a few tokens longer than n; the server's usage.prompt_tokens
// is the true count and is what the report uses. Because the id leads,
// every prompt differs from its first token, so a server's prefix cache
// cannot flatter the figures. SyntheticPrompt(seed, n, i) gives prompt i
// on its own, for runners that need more prompts than a Set holds.
package dataset
