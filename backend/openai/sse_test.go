package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// readAllEvents drains r and returns its events as "name|data" strings.
func readAllEvents(t testing.TB, r io.Reader) ([]string, error) {
	t.Helper()
	s := NewSSEReader(r)
	var got []string
	for {
		ev, err := s.Next()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, ev.Name+"|"+string(ev.Data))
	}
}

func TestSSEReaderRules(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"LF", "data: a\n\ndata: b\n\n", []string{"|a", "|b"}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"|a", "|b"}},
		{"CR only", "data: a\r\rdata: b\r\r", []string{"|a", "|b"}},
		{"mixed endings", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", []string{"|a", "|b", "|c"}},
		{"multi-line data joined with LF", "data: a\ndata: b\r\ndata:c\n\n", []string{"|a\nb\nc"}},
		{"only one leading space removed", "data:  two\n\n", []string{"| two"}},
		{"no space after colon", "data:x\n\n", []string{"|x"}},
		{"colon inside value kept", "data: {\"a\":1}\n\n", []string{"|{\"a\":1}"}},
		{"comments ignored", ": keepalive\ndata: a\n: more\n\n: alone\n\n", []string{"|a"}},
		{"field without colon has empty value", "data\n\n", []string{"|"}},
		{"empty data dispatches empty event", "data:\n\n", []string{"|"}},
		{"two empty data lines", "data\ndata\n\n", []string{"|\n"}},
		{"event name", "event: error\ndata: boom\n\ndata: next\n\n", []string{"error|boom", "|next"}},
		{"name without data is dropped with the blank line", "event: ping\n\ndata: a\n\n", []string{"|a"}},
		{"last name wins", "event: a\nevent: b\ndata: x\n\n", []string{"b|x"}},
		{"id retry and unknown fields ignored", "id: 7\nretry: 100\nfoo: bar\ndata: x\n\n", []string{"|x"}},
		{"field names are case-sensitive", "Data: x\n\n", nil},
		{"EOF dispatches pending data", "data: a\n\ndata: last\n", []string{"|a", "|last"}},
		{"EOF inside unterminated line", "data: a\n\ndata: last", []string{"|a", "|last"}},
		{"EOF after CR", "data: a\r", []string{"|a"}},
		{"byte order mark skipped", "\xEF\xBB\xBFdata: a\n\n", []string{"|a"}},
		{"BOM only at start", "data: a\n\n\xEF\xBB\xBFdata: b\n\n", []string{"|a"}},
		{"many blank lines", "\n\n\r\n\rdata: a\n\n\n\n", []string{"|a"}},
		{"empty stream", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readers := map[string]io.Reader{
				"whole":    strings.NewReader(tt.in),
				"one byte": iotest.OneByteReader(strings.NewReader(tt.in)),
				"half":     iotest.HalfReader(strings.NewReader(tt.in)),
				"data+EOF": iotest.DataErrReader(strings.NewReader(tt.in)),
			}
			for kind, r := range readers {
				got, err := readAllEvents(t, r)
				if err != nil {
					t.Fatalf("%s: unexpected error %v", kind, err)
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
					t.Errorf("%s: got %q, want %q", kind, got, tt.want)
				}
			}
		})
	}
}

// TestSSEReaderTestdata checks that every recorded stream parses into
// JSON payloads and ends with [DONE] where the server sends one.
func TestSSEReaderTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sse")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata streams: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readAllEvents(t, iotest.OneByteReader(bytes.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < 3 {
				t.Fatalf("only %d events", len(got))
			}
			for i, ev := range got {
				data := strings.TrimPrefix(ev, "|")
				if data == "[DONE]" {
					if i != len(got)-1 {
						t.Errorf("[DONE] is event %d of %d", i, len(got))
					}
					continue
				}
				if !json.Valid([]byte(data)) {
					t.Errorf("event %d is not JSON: %q", i, data)
				}
			}
			if got[len(got)-1] != "|[DONE]" {
				t.Errorf("last event %q, want [DONE]", got[len(got)-1])
			}
		})
	}
}

func TestSSEReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 3<<20) // beyond any small fixed buffer
	in := "data: short\n\ndata: " + long + "\n\ndata: after\n\n"
	got, err := readAllEvents(t, iotest.HalfReader(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "|short" || got[1] != "|"+long || got[2] != "|after" {
		t.Fatalf("long line not read back intact (%d events)", len(got))
	}
}

func TestSSEReaderLineTooLong(t *testing.T) {
	s := NewSSEReader(strings.NewReader("data: ok\n\ndata: " + strings.Repeat("y", 100) + "\n\n"))
	s.maxLine = 64
	ev, err := s.Next()
	if err != nil || string(ev.Data) != "ok" {
		t.Fatalf("first event: %q, %v", ev.Data, err)
	}
	if _, err := s.Next(); !errors.Is(err, ErrSSELineTooLong) {
		t.Fatalf("got %v, want ErrSSELineTooLong", err)
	}
	if _, err := s.Next(); !errors.Is(err, ErrSSELineTooLong) {
		t.Fatalf("error is not sticky: %v", err)
	}
}

func TestSSEReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: partial\n"), iotest.ErrReader(boom))
	s := NewSSEReader(r)
	if ev, err := s.Next(); err != nil || string(ev.Data) != "a" {
		t.Fatalf("first event: %q, %v", ev.Data, err)
	}
	// The partial event must not be dispatched as if it were complete.
	if ev, err := s.Next(); !errors.Is(err, boom) {
		t.Fatalf("got event %q, err %v; want %v", ev.Data, err, boom)
	}
}

// TestSSEReaderReset: a reader reset on a new stream reads it as a new
// reader would, whatever the last stream left behind: a pending event, a
// "\r" awaiting its "\n", a sticky error, the BOM already checked, a
// buffer grown past what Reset keeps.
func TestSSEReaderReset(t *testing.T) {
	next := "\xEF\xBB\xBFevent: e\ndata: x\r\n\r\ndata: y\n\n"
	want, _ := readAllEvents(t, strings.NewReader(next))
	for _, last := range []string{
		"data: pending",
		"data: a\r",
		"event: named\ndata: b\n\n",
		"data: " + strings.Repeat("z", 2*sseKeepBuffer) + "\n\n",
		"data: broken", // then a read error, which must not stick
	} {
		r := io.MultiReader(strings.NewReader(last), iotest.ErrReader(errors.New("connection reset")))
		s := NewSSEReader(r)
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
		s.Reset(strings.NewReader(next))
		if cap(s.buf) > sseKeepBuffer {
			t.Errorf("after %.20q: Reset kept a %d-byte buffer", last, cap(s.buf))
		}
		var got []string
		for {
			ev, err := s.Next()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("after %.20q: %v", last, err)
				}
				break
			}
			got = append(got, ev.Name+"|"+string(ev.Data))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("after %.20q: got %q, want %q", last, got, want)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestSSEReaderNoProgress(t *testing.T) {
	if _, err := NewSSEReader(zeroReader{}).Next(); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

func TestSSEReaderAllocations(t *testing.T) {
	stream := benchmarkStream(512)
	allocs := testing.AllocsPerRun(20, func() {
		s := NewSSEReader(bytes.NewReader(stream))
		for {
			if _, err := s.Next(); err != nil {
				break
			}
		}
	})
	// The reader, its buffer and the data buffer's growth: a handful,
	// independent of the 515 events.
	if allocs > 10 {
		t.Errorf("%.0f allocations for a 515-event stream; want a constant handful", allocs)
	}
}

// benchmarkStream renders a vLLM chat stream of n one-token chunks, the
// usage chunk and [DONE], as vLLM 0.6 sends them.
func benchmarkStream(n int) []byte {
	var b bytes.Buffer
	head := `data: {"id":"chatcmpl-4b1f0d6c2e9a4f7d8a3c5e1b2d7f9a01","object":"chat.completion.chunk","created":1732312345,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[`
	b.WriteString(head + `{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	words := []string{" the", " energy", " per", " token", " falls", " as", " batch", " size", " grows"}
	for i := range n {
		finish := "null"
		if i == n-1 {
			finish = `"length"`
		}
		fmt.Fprintf(&b, "%s{\"index\":0,\"delta\":{\"content\":%q},\"logprobs\":null,\"finish_reason\":%s}]}\n\n", head, words[i%len(words)], finish)
	}
	fmt.Fprintf(&b, "%s],\"usage\":{\"prompt_tokens\":128,\"total_tokens\":%d,\"completion_tokens\":%d}}\n\n", head, 128+n, n)
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

func BenchmarkSSEReader(b *testing.B) {
	stream := benchmarkStream(512)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		s := NewSSEReader(bytes.NewReader(stream))
		for {
			_, err := s.Next()
			if err != nil {
				break
			}
			events++
		}
	}
	if events%515 != 0 {
		b.Fatalf("read %d events, not a multiple of 515", events)
	}
}

// referenceEvents is a slow, obviously-correct implementation of the same
// rules, for differential fuzzing.
func referenceEvents(in string) []string {
	in = strings.TrimPrefix(in, "\xEF\xBB\xBF")
	var lines []string
	var cur strings.Builder
	pending := false
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '\r':
			lines = append(lines, cur.String())
			cur.Reset()
			pending = false
			if i+1 < len(in) && in[i+1] == '\n' {
				i++
			}
		case '\n':
			lines = append(lines, cur.String())
			cur.Reset()
			pending = false
		default:
			cur.WriteByte(c)
			pending = true
		}
	}
	if pending {
		lines = append(lines, cur.String())
	}
	var events []string
	var data []string
	name := ""
	for _, line := range lines {
		if line == "" {
			if data != nil {
				events = append(events, name+"|"+strings.Join(data, "\n"))
			}
			data, name = nil, ""
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "data":
			data = append(data, value)
		case "event":
			name = value
		}
	}
	if data != nil {
		events = append(events, name+"|"+strings.Join(data, "\n"))
	}
	return events
}

func FuzzSSEReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sse")
	for _, file := range files {
		if raw, err := os.ReadFile(file); err == nil {
			f.Add(raw)
		}
	}
	for _, seed := range []string{"", "\r", "\r\n", "data", "data:\r\rdata: x\r", ":c\n\nevent: e\ndata: a\r\ndata: b", "\xEF\xBB\xBF\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := referenceEvents(string(in))
		for kind, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(in),
			"one byte": iotest.OneByteReader(bytes.NewReader(in)),
		} {
			got, err := readAllEvents(t, r)
			if err != nil {
				t.Fatalf("%s: error %v", kind, err)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
				t.Fatalf("%s: got %q, reference %q", kind, got, want)
			}
			for _, ev := range got {
				if strings.ContainsRune(ev, '\r') {
					t.Fatalf("%s: event %q contains CR", kind, ev)
				}
				if name, _, _ := strings.Cut(ev, "|"); strings.ContainsRune(name, '\n') {
					t.Fatalf("%s: event name %q contains LF", kind, name)
				}
			}
		}
	})
}
