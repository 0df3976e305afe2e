package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		set  string
		info debug.BuildInfo
		want string
	}{
		{"ldflags win", "1.4.0", debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "1.4.0"},
		{"go install at a version", "dev", debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"vcs revision", "dev", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "e63d5771234567890", "vcs.time", "2026-12-03T15:00:00Z", "vcs.modified", "false")},
			"dev-e63d57712345 (2026-12-03T15:00:00Z)"},
		{"dirty tree", "dev", debug.BuildInfo{Settings: vcs("vcs.revision", "abc", "vcs.modified", "true")}, "dev-abc+dirty"},
		{"nothing known", "dev", debug.BuildInfo{}, "dev"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionFrom(tc.set, &tc.info); got != tc.want {
				t.Errorf("versionFrom = %q, want %q", got, tc.want)
			}
		})
	}
}
