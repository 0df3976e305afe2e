package config

import "testing"

// ReporterKey names a reporter as its file wrote it, so that errors found
// after loading (the CLI checks types and options against the sink
// registry) point at the same key and line as the config's own.
func TestReporterKey(t *testing.T) {
	const sim = "backend: {type: sim, model: m}\n"
	tests := []struct {
		name, yaml string
		overrides  []string
		i          int
		key, err   string // err: Errorf(key+".type") as the CLI makes it
	}{
		{"single mapping", sim + "reporter:\n  type: jsn\n", nil, 0, "reporter", "x.yaml:3: reporter.type: bad"},
		{"list", sim + "reporter:\n  - type: csv\n  - type: jsn\n", nil, 1, "reporter[1]", "x.yaml:4: reporter[1].type: bad"},
		{"one-item list", sim + "reporter:\n  - {type: jsn}\n", nil, 0, "reporter[0]", "x.yaml:3: reporter[0].type: bad"},
		{"override", sim, []string{"reporter.type=jsn"}, 0, "reporter", `override "reporter.type=jsn": reporter.type: bad`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("x.yaml", []byte(tt.yaml), tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ReporterKey(tt.i); got != tt.key {
				t.Errorf("ReporterKey(%d) = %q, want %q", tt.i, got, tt.key)
			}
			if got := c.Errorf(c.ReporterKey(tt.i)+".type", "bad").Error(); got != tt.err {
				t.Errorf("error = %q, want %q", got, tt.err)
			}
		})
	}
	if got := (&Config{}).ReporterKey(2); got != "reporter" {
		t.Errorf("ReporterKey of a config built in code = %q, want reporter", got)
	}
}
