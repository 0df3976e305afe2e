package redfish

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		json  string
		set   bool
		value float64
		step  float64
	}{
		{`325675`, true, 325675, 1},
		{`36.1665`, true, 36.1665, 1e-4},
		{`36.10`, true, 36.1, 1e-2},
		{`3.61665e2`, true, 361.665, 1e-3},
		{`4E3`, true, 4000, 1000},
		{`-0.5`, true, -0.5, 0.1},
		{`"412.5"`, true, 412.5, 0.1}, // quoted by some BMCs
		{`null`, false, 0, 0},
	}
	for _, tc := range tests {
		var n number
		if err := json.Unmarshal([]byte(tc.json), &n); err != nil {
			t.Errorf("%s: %v", tc.json, err)
			continue
		}
		if n.set != tc.set || n.v != tc.value {
			t.Errorf("%s: set %v value %v, want %v %v", tc.json, n.set, n.v, tc.set, tc.value)
		}
		if tc.set && math.Abs(n.step()-tc.step) > 1e-12*tc.step {
			t.Errorf("%s: step %v, want %v", tc.json, n.step(), tc.step)
		}
	}
	for _, bad := range []string{`"n/a"`, `true`, `{}`, `"NaN"`} {
		var n number
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s: decoded as %v", bad, n)
		}
	}
}

// The auto threshold sits at 0.1 Wh: a kWh reading with four decimals
// passes, with three it does not, whatever float rounding does to 1e-4.
func TestEnergyThreshold(t *testing.T) {
	for _, tc := range []struct {
		text string
		keep bool
	}{{"36.1665", true}, {"36.166", false}, {"36.16650", true}} {
		var n number
		if err := json.Unmarshal([]byte(tc.text), &n); err != nil {
			t.Fatal(err)
		}
		d := &discovery{mode: energyAuto}
		got, _ := d.decideEnergy(&source{scale: joulesPerKWh, what: "x"}, n, true)
		if (got != nil) != tc.keep {
			t.Errorf("%s: kept %v, want %v", tc.text, got != nil, tc.keep)
		}
	}
}
