package rundir

import (
	"github.com/aienergy/aienergy/trace"
)

// requestLog is a run directory's requests.csv as trace.Requests: read
// afresh at each pass, one row at a time, so that a day-long run's
// millions of records are never all in memory.
type requestLog struct {
	path     string
	end      int64 // where the complete rows end: a cut-off run's half row stays out
	streamed bool  // the run's backend.stream, for rows older than the streamed column
	n        int   // rows that parse, less those dropped
	// drop leaves out rows a cut-off run's recovery does not count.
	drop func(trace.Request) bool
}

// requestsColumns are the columns requests.csv must have: items,
// reasoning_tokens, streamed and chunks came later, and old runs lack them.
var requestsColumns = requestsHeader[:len(requestsHeader)-4]

func (l *requestLog) Len() int { return l.n }

// Each implements trace.Requests. Rows that do not parse were counted and
// warned about when the run directory was read; they are skipped here.
func (l *requestLog) Each(fn func(trace.Request) error) error {
	var chunks []float64
	_, _, err := eachRow(l.path, l.end, requestsColumns, false, func(f fields) error {
		r, buf, err := parseRequest(f, l.streamed, chunks)
		chunks = buf
		if err != nil || (l.drop != nil && l.drop(r)) {
			return err
		}
		return fn(r)
	})
	return err
}

// parseRequest reads one requests.csv row, its chunk times into buf
// (returned, grown, for the next row). A row that does not parse gives a
// badRow.
func parseRequest(f fields, runStreamed bool, buf []float64) (trace.Request, []float64, error) {
	r := trace.Request{
		ID: f.int("id"), Model: f.name("model"), Phase: f.name("phase"),
		Start: f.float("start_s"), FirstToken: f.optFloat("first_token_s"), End: f.float("end_s"),
		InputTokens: f.int("input_tokens"), OutputTokens: f.int("output_tokens"),
		TokensEstimated: f.str("tokens_estimated") == "true",
		FinishReason:    f.name("finish_reason"), ErrorClass: f.name("error_class"),
	}
	if f.has("items") && f.str("items") != "" {
		r.Items = f.int("items")
	}
	if f.has("reasoning_tokens") && f.str("reasoning_tokens") != "" {
		r.ReasoningTokens = f.int("reasoning_tokens")
	}
	buf, err := chunkTimes(f.str("chunk_ms"), buf)
	if err != nil {
		return r, buf, badRow{err}
	}
	if len(buf) > 0 {
		r.Chunks = buf
	}
	r.ChunkCount = len(r.Chunks)
	if f.has("chunks") && f.str("chunks") != "" {
		r.ChunkCount = max(f.int("chunks"), r.ChunkCount)
	}
	if f.has("streamed") {
		r.Streamed = f.str("streamed") == "true"
	} else {
		guessStreamed(&r, runStreamed)
	}
	return r, buf, rowErr(f)
}
