package backend

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func ptr(n int) *int { return &n }

func TestSetTokens(t *testing.T) {
	const prompt = "12345678" // 8 characters: 2 tokens estimated
	tests := []struct {
		name            string
		failed          bool
		usage           *Usage
		textChars       int
		in, out, reason int
		estimated       bool
	}{
		{"usage", false, &Usage{Input: ptr(7), Output: ptr(9), Reasoning: ptr(3)}, 100, 7, 9, 3, false},
		{"no usage: estimated from characters, not chunks", false, nil, 10, 2, 3, 0, true},
		{"output only: input estimated", false, &Usage{Output: ptr(9)}, 100, 2, 9, 0, true},
		{"input only: output estimated", false, &Usage{Input: ptr(7)}, 10, 7, 3, 0, true},
		{"negative counts are estimated", false, &Usage{Input: ptr(-1), Output: ptr(-5), Reasoning: ptr(-2)}, 10, 2, 3, 0, true},
		{"failed without text: none", true, nil, 0, 0, 0, 0, false},
		{"failed after some text: estimated", true, nil, 10, 2, 3, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := Record{}
			if tt.failed {
				rec.ErrorClass = ErrorProtocol
			}
			SetTokens(&rec, tt.usage, tt.textChars, prompt)
			if rec.InputTokens != tt.in || rec.OutputTokens != tt.out || rec.ReasoningTokens != tt.reason || rec.TokensEstimated != tt.estimated {
				t.Errorf("got in %d out %d reasoning %d estimated %v; want %d %d %d %v",
					rec.InputTokens, rec.OutputTokens, rec.ReasoningTokens, rec.TokensEstimated, tt.in, tt.out, tt.reason, tt.estimated)
			}
		})
	}
}

func TestIsStream(t *testing.T) {
	tests := []struct {
		contentType string
		requested   bool
		want        bool
	}{
		{"text/event-stream; charset=utf-8", false, true},
		{"application/json", true, false},
		{"text/plain", true, true},
		{"text/plain", false, false},
		{"", true, true},
		{"not a media type;;", false, false},
	}
	for _, tt := range tests {
		if got := IsStream(tt.contentType, tt.requested, "text/event-stream"); got != tt.want {
			t.Errorf("IsStream(%q, %v) = %v, want %v", tt.contentType, tt.requested, got, tt.want)
		}
	}
}

func TestReadBody(t *testing.T) {
	if _, err := ReadBody(strings.NewReader(strings.Repeat("x", MaxJSONBody+1))); err != ErrBodyTooLarge {
		t.Errorf("a body past the limit: %v", err)
	}
	if b, err := ReadBody(strings.NewReader(strings.Repeat("x", MaxJSONBody))); err != nil || len(b) != MaxJSONBody {
		t.Errorf("a body at the limit: %d bytes, %v", len(b), err)
	}
	broken := errors.New("connection reset")
	if _, err := ReadBody(iotest.ErrReader(broken)); err != broken {
		t.Errorf("a broken body: %v", err)
	}
}

func TestAddChunk(t *testing.T) {
	start := time.Unix(100, 0)
	rec := Record{Start: start}
	for i := range MaxRecordedChunks + 5 {
		AddChunk(&rec, start.Add(time.Duration(i+1)*time.Millisecond))
	}
	if rec.FirstToken != start.Add(time.Millisecond) || rec.ChunkCount != MaxRecordedChunks+5 || len(rec.Chunks) != MaxRecordedChunks {
		t.Errorf("first token %v, %d chunks counted, %d times kept", rec.FirstToken, rec.ChunkCount, len(rec.Chunks))
	}
}
