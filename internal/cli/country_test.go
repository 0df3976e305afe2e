package cli

import "testing"

// Alpha-2 country codes are accepted and recorded as alpha-3, the code
// CodeCarbon's emissions.csv carries.
func TestAlpha3(t *testing.T) {
	for in, want := range map[string]string{"FR": "FRA", "US": "USA", "USA": "USA", "DE": "DEU", "ZZ": "ZZ", "": ""} {
		if got := alpha3(in); got != want {
			t.Errorf("alpha3(%q) = %q, want %q", in, got, want)
		}
	}
	if _, stderr, code := runCLI(t, "run", "--dry-run", "metrics.country_iso_code=FR"); code != 0 {
		t.Errorf("country FR: exit %d, %s", code, stderr)
	}
}
