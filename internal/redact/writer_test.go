package redact

import (
	"bytes"
	"strings"
	"testing"
)

// writeInPieces writes text through a Writer, cut at the given offsets,
// then flushes it, and returns what came out.
func writeInPieces(t *testing.T, r *Redactor, text string, cuts ...int) string {
	t.Helper()
	var out bytes.Buffer
	w := r.Writer(&out)
	last := 0
	for _, c := range append(cuts, len(text)) {
		if n, err := w.Write([]byte(text[last:c])); err != nil || n != c-last {
			t.Fatalf("Write: %d, %v; want %d, nil", n, err, c-last)
		}
		last = c
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// Whatever the cut of the stream into writes, the output is the same,
// with every secret masked: line by line, the unfinished last line at
// Flush.
func TestWriterMasksSecretsSplitAcrossWrites(t *testing.T) {
	r := New("sk-live-0123456789", "hunter22")
	for _, tt := range []struct {
		name, in, want string
	}{
		{"key in a line", "INFO api key sk-live-0123456789 loaded\n", "INFO api key REDACTED loaded\n"},
		{"url password", "GET http://bob:hunter22@host/v1 200\n", "GET http://bob:REDACTED@host/v1 200\n"},
		{"url password not configured", "proxy http://eve:other-pass@proxy:3128\n", "proxy http://eve:REDACTED@proxy:3128\n"},
		{"secret-named pair", "args: {'api_key': 'abc-unknown-key', 'port': 8000}\n", "args: {'api_key': 'REDACTED', 'port': 8000}\n"},
		{"progress bar redraws", "\rload 10% hunter22\rload 90% hunter22", "\rload 10% REDACTED\rload 90% REDACTED"},
		{"unfinished last line", "bye sk-live-0123456789", "bye REDACTED"},
		{"nothing secret", "ready on port 8000\n\nbye\n", "ready on port 8000\n\nbye\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := writeInPieces(t, r, tt.in); got != tt.want {
				t.Fatalf("in one write: %q, want %q", got, tt.want)
			}
			for c := 1; c < len(tt.in); c++ {
				if got := writeInPieces(t, r, tt.in, c); got != tt.want {
					t.Fatalf("cut at %d: %q, want %q", c, got, tt.want)
				}
			}
		})
	}
}

// A line longer than the Writer holds is passed on in pieces, and a known
// secret across a piece's end is still masked; what is held stays
// bounded.
func TestWriterLongLine(t *testing.T) {
	const secret = "sk-live-0123456789"
	r := New(secret)
	// Written 1000 bytes at a time, the line is first cut once more than
	// maxHeld is held: at the end of write number maxHeld/1000+1, less the
	// bytes held back. The secret is put at every place across that cut.
	const chunk = 1000
	first := (maxHeld/chunk + 1) * chunk
	for at := first - 2*len(secret); at <= first; at++ {
		in := strings.Repeat("x", at) + secret + strings.Repeat("y", maxHeld) + "\n"
		var out bytes.Buffer
		w := r.Writer(&out)
		for i := 0; i < len(in); i += chunk {
			w.Write([]byte(in[i:min(i+chunk, len(in))]))
			if len(w.held) > 2*maxHeld {
				t.Fatalf("secret at %d: %d bytes held", at, len(w.held))
			}
		}
		w.Flush()
		want := strings.Repeat("x", at) + Mask + strings.Repeat("y", maxHeld) + "\n"
		if out.String() != want {
			t.Errorf("secret at %d: %d bytes out, secret shown %v, mask shown %v; want %d bytes",
				at, out.Len(), strings.Contains(out.String(), secret[:6]), strings.Contains(out.String(), Mask), len(want))
		}
	}
}

// A write error reaches the caller.
func TestWriterError(t *testing.T) {
	w := New().Writer(failWriter{})
	if _, err := w.Write([]byte("line\n")); err == nil {
		t.Error("Write: no error from a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }
