package analysis

import (
	"strings"
	"testing"
)

func TestLookupCarbonIntensity(t *testing.T) {
	tests := []struct {
		code, region string
		g            float64
		year         int
	}{
		{"USA", "USA", 379.26, 2021},
		{"US", "USA", 379.26, 2021},
		{"us", "USA", 379.26, 2021},
		{" usa ", "USA", 379.26, 2021},
		{"united states", "USA", 379.26, 2021},
		{"fr", "FRA", 67.39, 2021},
		{"NOR", "NOR", 27.55, 2021},
		{"world", WorldRegion, 436, 2022},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			c, err := LookupCarbonIntensity(tc.code)
			if err != nil {
				t.Fatal(err)
			}
			if c.Region != tc.region || c.GCO2eqPerKWh != tc.g || c.Year != tc.year || c.Source == "" {
				t.Errorf("got %+v, want %s at %v g/kWh (%d) with a source", c, tc.region, tc.g, tc.year)
			}
		})
	}
}

func TestLookupUnknownRegion(t *testing.T) {
	for _, code := range []string{"XYZ", "", "USAA"} {
		_, err := LookupCarbonIntensity(code)
		if err == nil {
			t.Errorf("%q: found a region", code)
			continue
		}
		if !strings.Contains(err.Error(), "closest") {
			t.Errorf("%q: error %q does not list the closest regions", code, err)
		}
	}
	_, err := LookupCarbonIntensity("USAA")
	if err == nil || !strings.Contains(err.Error(), "USA (United States)") {
		t.Errorf("USAA: error %v should suggest USA", err)
	}
}

func TestCarbonTableCoversMajorCountries(t *testing.T) {
	table := CarbonIntensities()
	if table[0].Region != WorldRegion {
		t.Errorf("first row %s, want the world average", table[0].Region)
	}
	seen := map[string]bool{}
	for _, c := range table {
		for _, code := range []string{c.Region, c.ISO2} {
			if code == "" {
				continue
			}
			if seen[code] {
				t.Errorf("code %s appears twice", code)
			}
			seen[code] = true
		}
		if c.GCO2eqPerKWh <= 0 || c.GCO2eqPerKWh > 1200 || c.Year < 2015 || c.Name == "" || c.Source == "" {
			t.Errorf("implausible row %+v", c)
		}
	}
	if len(table) < 40 {
		t.Errorf("%d regions, want at least 40", len(table))
	}
	for _, code := range strings.Fields("USA CAN FRA DEU GBR CHN IND JPN KOR AUS BRA SWE NOR ISL POL IRL NLD ESP ITA SGP ZAF WORLD") {
		if !seen[code] {
			t.Errorf("table lacks %s", code)
		}
	}
}

func TestParseCarbonTableRejectsBadRows(t *testing.T) {
	header := "iso3,iso2,name,g_co2eq_per_kwh,year,source\n"
	for _, text := range []string{
		"iso3,name\nUSA,United States\n",
		header + "USA,US,United States,lots,2021,x\n",
		header + "USA,US,United States,-3,2021,x\n",
		header + ",US,United States,300,2021,x\n",
	} {
		if _, err := parseCarbonTable(text); err == nil {
			t.Errorf("accepted %q", text)
		}
	}
}

func TestGramsCO2eq(t *testing.T) {
	c := Carbon{CarbonIntensity: CarbonIntensity{GCO2eqPerKWh: 400}, PUE: 1.2}
	// 3.6 MJ = 1 kWh → 400 g × 1.2.
	checkNear(t, "1 kWh", c.GramsCO2eq(3.6e6), 480)
	checkNear(t, "1500 J", c.GramsCO2eq(1500), 0.2)
}

func TestResolveCarbon(t *testing.T) {
	c, warnings, err := resolveCarbon(Options{})
	if err != nil || c.Region != WorldRegion || c.PUE != 1 || len(warnings) != 1 {
		t.Errorf("default = %+v, %q, %v; want the world average at PUE 1 with a warning", c, warnings, err)
	}
	c, _, err = resolveCarbon(Options{CountryISO: "jp", PUE: 1.4})
	if err != nil || c.Region != "JPN" || c.PUE != 1.4 {
		t.Errorf("jp = %+v, %v", c, err)
	}
	c, _, err = resolveCarbon(Options{CountryISO: "jp", CarbonIntensity: 123})
	if err != nil || c.GCO2eqPerKWh != 123 || c.Region != "" || c.Year != 0 {
		t.Errorf("override = %+v, %v; want 123 g/kWh from the option", c, err)
	}
}
