package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// messagesColumn is the OpenAI chat format's list of turns, used when a
// JSONL file has neither "text" nor "prompt".
const messagesColumn = "messages"

// readJSONL streams one JSON object per line to yield. The column is
// chosen on the first record; every later record must have it too.
func readJSONL(path, col string, yield func(string) bool) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	defer f.Close()
	return jsonlRows(f, path, col, yield)
}

// jsonlRows reads the JSONL file r, named path, for readJSONL.
func jsonlRows(r io.Reader, path, col string, yield func(string) bool) (table, error) {
	t := table{yield: yield}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordBytes)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(b, &rec); err != nil {
			return table{}, fmt.Errorf("%s:%d: not a JSON object: %v", path, line, err)
		}
		where := fmt.Sprintf("%s:%d", path, line)
		if t.column == "" {
			c, err := jsonlColumn(where, col, rec)
			if err != nil {
				return table{}, err
			}
			t.column = c
		}
		raw, ok := rec[t.column]
		if !ok {
			return table{}, fmt.Errorf("%s: no %q field, which earlier lines have", where, t.column)
		}
		s, null, err := jsonText(raw, t.column == messagesColumn)
		if err != nil {
			return table{}, fmt.Errorf("%s: field %q: %v", where, t.column, err)
		}
		if null {
			t.skipped++
			continue
		}
		if !t.add(s) {
			return t, nil
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return table{}, fmt.Errorf("%s: line %d is longer than %d MiB, the limit for one record", path, line+1, maxRecordBytes>>20)
	}
	if err := sc.Err(); err != nil {
		return table{}, fmt.Errorf("%s: line %d: %w", path, line+1, err)
	}
	if t.column == "" {
		t.column = col
	}
	return t, nil
}

// jsonlColumn picks the field of a JSONL file from its first record.
func jsonlColumn(where, col string, rec map[string]json.RawMessage) (string, error) {
	keys := make([]string, 0, len(rec))
	for k := range rec {
		keys = append(keys, k)
	}
	c, err := pickColumn(where, col, keys)
	if err == nil {
		return c, nil
	}
	if _, ok := rec[messagesColumn]; ok && (col == "" || col == "text") {
		return messagesColumn, nil
	}
	return "", err
}

// jsonText returns a field's text; messages is true for a chat
// "messages" list, whose first user turn is the prompt.
func jsonText(raw json.RawMessage, messages bool) (text string, null bool, err error) {
	if string(raw) == "null" {
		return "", true, nil
	}
	if !messages {
		if err := json.Unmarshal(raw, &text); err != nil {
			return "", false, fmt.Errorf("expected a string, got %s", short(raw))
		}
		return text, false, nil
	}
	var turns []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(raw, &turns); err != nil {
		return "", false, fmt.Errorf("expected a list of {role, content} messages, got %s", short(raw))
	}
	for _, m := range turns {
		if m.Role == "user" {
			return contentText(m.Content)
		}
	}
	return "", false, fmt.Errorf("no message with role \"user\"")
}

// contentText reads a chat message's content: a string, or a list of
// parts of which the text parts are joined.
func contentText(raw json.RawMessage) (string, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, false, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", false, fmt.Errorf("user content is neither a string nor a list of parts: %s", short(raw))
	}
	var b bytes.Buffer
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), false, nil
}

// short is raw JSON cut for an error message.
func short(raw json.RawMessage) string {
	if len(raw) > 60 {
		return string(raw[:60]) + "…"
	}
	return string(raw)
}
