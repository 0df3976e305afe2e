package sim

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	s := mustNew(t, Config{})
	want := Config{
		Models:           []string{"sim-model"},
		TTFT:             50 * time.Millisecond,
		ITL:              10 * time.Millisecond,
		MaxNumSeqs:       16,
		DefaultMaxTokens: 256,
		MaxModelLen:      8192,
		IdleWatts:        60,
		WattsPerSeq:      25,
		MaxWatts:         400,
		GPUs:             1,
		GPUModelName:     "NVIDIA H100 80GB HBM3 (simulated)",
	}
	if got := s.Config(); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestConfigNegativeMeansZero(t *testing.T) {
	got := mustNew(t, Config{TTFT: -1, ITL: -time.Second, IdleWatts: -1, WattsPerSeq: -5}).Config()
	if got.TTFT != 0 || got.ITL != 0 || got.IdleWatts != 0 || got.WattsPerSeq != 0 {
		t.Errorf("negative values should select zero, got %+v", got)
	}
}

func TestConfigKeepsCallerSlice(t *testing.T) {
	models := []string{"a", "b"}
	s := mustNew(t, Config{Models: models})
	models[0] = "changed"
	if s.Config().Models[0] != "a" {
		t.Error("server shares the caller's Models slice")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"empty model", Config{Models: []string{""}}, "must not be empty"},
		{"spaced model", Config{Models: []string{" m"}}, "leading or trailing spaces"},
		{"duplicate model", Config{Models: []string{"m", "m"}}, "listed twice"},
		{"negative slots", Config{MaxNumSeqs: -1}, "MaxNumSeqs must be positive"},
		{"negative default tokens", Config{DefaultMaxTokens: -3}, "DefaultMaxTokens must be positive"},
		{"negative context", Config{MaxModelLen: -1}, "MaxModelLen must be positive"},
		{"negative GPUs", Config{GPUs: -2}, "GPUs must be positive"},
		{"negative cap", Config{MaxWatts: -1}, "MaxWatts must be positive"},
		{"NaN idle", Config{IdleWatts: math.NaN()}, "IdleWatts must be a finite"},
		{"infinite per seq", Config{WattsPerSeq: math.Inf(1)}, "WattsPerSeq must be a finite"},
		{"cap below idle", Config{IdleWatts: 100, MaxWatts: 80}, "MaxWatts (80 W) is below IdleWatts (100 W)"},
		{"default cap below idle", Config{IdleWatts: 500}, "MaxWatts (400 W) is below IdleWatts (500 W)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", tt.cfg)
			}
			if s != nil {
				t.Error("New returned a server with its error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
