package dataset

import (
	"strings"
	"testing"
)

func TestListingTable(t *testing.T) {
	// zeta before alpha: the default is the first config in the Hub's
	// order, which a Go map would lose.
	const multi = `{"zeta": {"validation": ["u"], "test": ["u", "u"]},
		"alpha": {"train": ["u"], "partial-test": ["u"]},
		"solo": {"dev": ["u"]},
		"three": {"a": ["u"], "b": ["u"]}}`
	tests := []struct {
		name, config, split   string
		wantConfig, wantSplit string
		wantShards            int
		wantErr               string
	}{
		{"defaults: first config, test when no train", "", "", "zeta", "test", 2, ""},
		{"train first", "alpha", "", "alpha", "train", 1, ""},
		{"partial split stands for test", "alpha", "test", "alpha", "partial-test", 1, ""},
		{"explicit split", "zeta", "validation", "zeta", "validation", 1, ""},
		{"only split", "solo", "", "solo", "dev", 1, ""},
		{"no config", "beta", "", "", "", 0, `dataset o/d has no config "beta"; it has: zeta, alpha, solo, three (set scenario.dataset_config)`},
		{"no split", "zeta", "train", "", "", 0, `dataset o/d config zeta has no split "train"; it has: validation, test (set scenario.dataset_split)`},
		{"no default split", "three", "", "", "", 0, `dataset o/d config three has no train or test split; choose one of: a, b`},
	}
	l, err := parseListing([]byte(multi))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s, err := l.table("o/d", tt.config, tt.split)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.name != tt.wantConfig || s.name != tt.wantSplit || len(s.urls) != tt.wantShards {
				t.Errorf("got %s/%s with %d shards, want %s/%s with %d", c.name, s.name, len(s.urls), tt.wantConfig, tt.wantSplit, tt.wantShards)
			}
		})
	}
}

func TestParseListingErrors(t *testing.T) {
	for _, body := range []string{`[]`, `{"c": ["u"]}`, `{"c": {"s": "u"}}`, `{"c": {"s": ["u"]}`, `<html>`} {
		if _, err := parseListing([]byte(body)); err == nil || !strings.Contains(err.Error(), "unexpected Parquet listing") {
			t.Errorf("%s: err = %v", body, err)
		}
	}
	l, err := parseListing([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.table("o/d", "", ""); err == nil || !strings.Contains(err.Error(), "has no Parquet files on the Hub") {
		t.Errorf("empty listing: err = %v", err)
	}
}
