package sim

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkStreamChat is one streaming chat round trip of 16 tokens over
// loopback HTTP with no simulated delays: the simulator's own overhead.
func BenchmarkStreamChat(b *testing.B) {
	s, err := New(Config{TTFT: -1, ITL: -1})
	if err != nil {
		b.Fatal(err)
	}
	url, err := s.Start("")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := []byte(`{"model":"sim-model","messages":[{"role":"user","content":"How much energy does a token take?"}],` +
		`"max_tokens":16,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Post(url+"/v1/chat/completions", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || n == 0 {
			b.Fatalf("status %d, %d bytes, %v", resp.StatusCode, n, err)
		}
	}
}
