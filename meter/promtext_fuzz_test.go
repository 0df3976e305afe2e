package meter

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseExposition feeds the Prometheus text parser anything an
// exporter could answer: it returns samples or an error, never panics,
// and every sample it returns is of a wanted metric.
func FuzzParseExposition(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.prom"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"power_watts{gpu=\"0\"} 1 2 # {a=\"b\"} 1\n",
		"{\"power_watts\",x=\"\\\"\"} NaN\r\n",
		"power_watts{ a = \"1\" , } +Inf\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Want the first word too, so that fuzzed names get parsed fully.
		first, _, _ := bytes.Cut(bytes.TrimLeft(body, " \t{\""), []byte(" "))
		want := map[string]bool{"power_watts": true, "DCGM_FI_DEV_POWER_USAGE": true, string(first): true}
		samples, err := parseExposition(body, want)
		if err != nil {
			return
		}
		for _, s := range samples {
			if !want[s.name] {
				t.Fatalf("sample of unwanted metric %q", s.name)
			}
			_ = s.String()
		}
	})
}
