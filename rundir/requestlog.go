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
	var p requestParser
	_, _, err := eachRow(l.path, l.end, requestsColumns, false, func(f fields) error {
		r, err := p.parse(f, l.streamed)
		if err != nil || (l.drop != nil && l.drop(r)) {
			return err
		}
		return fn(r)
	})
	return err
}

// requestParser reads requests.csv rows: it finds the columns once, at
// the first row, and reuses one buffer for every row's chunk times.
type requestParser struct {
	found bool
	cols  struct {
		id, model, phase, start, first, end, in, out, estimated, finish, errClass, chunkMs int
		items, reasoning, streamed, chunks                                                 int // -1: an older file without them
	}
	chunks []float64
}

// parse reads one row. Its Chunks are the parser's buffer, valid until
// the next row. A row that does not parse gives a badRow.
func (p *requestParser) parse(f fields, runStreamed bool) (trace.Request, error) {
	c := &p.cols
	if !p.found {
		c.id, c.model, c.phase = f.col("id"), f.col("model"), f.col("phase")
		c.start, c.first, c.end = f.col("start_s"), f.col("first_token_s"), f.col("end_s")
		c.in, c.out, c.estimated = f.col("input_tokens"), f.col("output_tokens"), f.col("tokens_estimated")
		c.finish, c.errClass, c.chunkMs = f.col("finish_reason"), f.col("error_class"), f.col("chunk_ms")
		c.items, c.reasoning, c.streamed, c.chunks = f.col("items"), f.col("reasoning_tokens"), f.col("streamed"), f.col("chunks")
		p.found = true
	}
	r := trace.Request{
		ID: f.intAt(c.id, "id"), Model: f.nameAt(c.model), Phase: f.nameAt(c.phase),
		Start: f.floatAt(c.start, "start_s"), FirstToken: f.optFloatAt(c.first, "first_token_s"), End: f.floatAt(c.end, "end_s"),
		InputTokens: f.intAt(c.in, "input_tokens"), OutputTokens: f.intAt(c.out, "output_tokens"),
		TokensEstimated: f.row[c.estimated] == "true",
		FinishReason:    f.nameAt(c.finish), ErrorClass: f.nameAt(c.errClass),
	}
	if c.items >= 0 && f.row[c.items] != "" {
		r.Items = f.intAt(c.items, "items")
	}
	if c.reasoning >= 0 && f.row[c.reasoning] != "" {
		r.ReasoningTokens = f.intAt(c.reasoning, "reasoning_tokens")
	}
	var err error
	if p.chunks, err = chunkTimes(f.row[c.chunkMs], p.chunks); err != nil {
		return r, badRow{err}
	}
	if len(p.chunks) > 0 {
		r.Chunks = p.chunks
	}
	r.ChunkCount = len(r.Chunks)
	if c.chunks >= 0 && f.row[c.chunks] != "" {
		r.ChunkCount = max(f.intAt(c.chunks, "chunks"), r.ChunkCount)
	}
	if c.streamed >= 0 {
		r.Streamed = f.row[c.streamed] == "true"
	} else {
		guessStreamed(&r, runStreamed)
	}
	return r, rowErr(f)
}
