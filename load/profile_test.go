package load

import (
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	wantConc := map[string]int{"light": 2, "moderate": 4, "heavy": 8, "stress": 24}
	for _, name := range PresetNames() {
		p, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(p) != 1 || p[0].Concurrency != wantConc[name] || p[0].Name != name {
			t.Errorf("%s: %+v, want one stage %q at concurrency %d", name, p, name, wantConc[name])
		}
		if c := p[0].Closed(); c.Concurrency != p[0].Concurrency || c.Requests != p[0].Requests || c.Duration != 0 {
			t.Errorf("%s: closed load %+v", name, c)
		}
	}
	all, err := Preset("all")
	if err != nil || len(all) != 4 || all[0].Concurrency != 2 || all[3].Concurrency != 24 {
		t.Errorf("all: %+v, %v; want the four stages light to stress", all, err)
	}
	// A copy: editing it must not change the preset.
	p, _ := Preset("light")
	p[0].Requests = 1
	if q, _ := Preset("light"); q[0].Requests == 1 {
		t.Error("Preset returned the shared table, not a copy")
	}
	if _, err := Preset("extreme"); err == nil || !strings.Contains(err.Error(), `"extreme" unknown`) || !strings.Contains(err.Error(), "stress") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestProfileValidate(t *testing.T) {
	ok := Stage{Name: "s", Concurrency: 1, Requests: 1, MinTokens: 0, MaxTokens: 1}
	with := func(f func(*Stage)) Profile { s := ok; f(&s); return Profile{ok, s} }
	tests := []struct {
		p    Profile
		want string
	}{
		{Profile{ok}, ""},
		{nil, "no stages"},
		{with(func(s *Stage) { s.Concurrency = 0 }), `stage 2 ("s"): concurrency 0`},
		{with(func(s *Stage) { s.Requests = -1 }), "-1 requests"},
		{with(func(s *Stage) { s.MaxTokens = 0 }), "tokens 0–0"},
		{with(func(s *Stage) { s.MinTokens = 5; s.MaxTokens = 4 }), "min_tokens 5 above max_tokens 4"},
	}
	for _, tc := range tests {
		err := tc.p.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: error %v, want %q", tc.p, err, tc.want)
		}
	}
}
