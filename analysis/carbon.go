package analysis

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/internal/suggest"
)

// The table's header comment cites its sources; every row repeats its own.
//
//go:embed carbon_intensity.csv
var carbonIntensityCSV string

// WorldRegion is the table's code for the world average.
const WorldRegion = "WORLD"

// CarbonIntensity is the carbon intensity of a region's electricity.
type CarbonIntensity struct {
	Region       string  `json:"region"` // ISO 3166 alpha-3, WORLD, or "" for a user-given figure
	ISO2         string  `json:"iso2,omitempty"`
	Name         string  `json:"name"`
	GCO2eqPerKWh float64 `json:"g_co2eq_per_kwh"`
	Year         int     `json:"year,omitempty"` // data year; 0 for a user-given figure
	Source       string  `json:"source"`
}

// Carbon is the intensity a run's figures use and the data centre's PUE.
type Carbon struct {
	CarbonIntensity
	PUE float64 `json:"pue"`
}

// GramsCO2eq converts energy to emissions: kWh × intensity × PUE.
func (c Carbon) GramsCO2eq(joules float64) float64 {
	return joules / joulesPerKWh * c.GCO2eqPerKWh * c.PUE
}

const joulesPerKWh = 3.6e6

var carbonTable = sync.OnceValues(func() ([]CarbonIntensity, error) {
	return parseCarbonTable(carbonIntensityCSV)
})

// CarbonIntensities lists the embedded table, world average first.
func CarbonIntensities() []CarbonIntensity {
	t, err := carbonTable()
	if err != nil {
		panic(err) // the embedded table is tested; a parse error is a build defect
	}
	return slices.Clone(t)
}

func parseCarbonTable(text string) ([]CarbonIntensity, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("carbon intensity table: %w", err)
	}
	want := []string{"iso3", "iso2", "name", "g_co2eq_per_kwh", "year", "source"}
	if len(rows) == 0 || !slices.Equal(rows[0], want) {
		return nil, fmt.Errorf("carbon intensity table: header is not %v", want)
	}
	var out []CarbonIntensity
	for i, row := range rows[1:] {
		g, err1 := strconv.ParseFloat(row[3], 64)
		year, err2 := strconv.Atoi(row[4])
		if err1 != nil || err2 != nil || g < 0 || row[0] == "" {
			return nil, fmt.Errorf("carbon intensity table: bad row %d: %v", i+2, row)
		}
		out = append(out, CarbonIntensity{Region: row[0], ISO2: row[1], Name: row[2], GCO2eqPerKWh: g, Year: year, Source: row[5]})
	}
	return out, nil
}

// LookupCarbonIntensity finds a region by ISO 3166 alpha-3 or alpha-2 code
// or by name, ignoring case; "WORLD" is the world average. An unknown code
// gives an error naming the closest entries.
func LookupCarbonIntensity(code string) (CarbonIntensity, error) {
	table := CarbonIntensities()
	q := strings.ToUpper(strings.TrimSpace(code))
	for _, c := range table {
		if q != "" && (q == c.Region || q == c.ISO2 || q == strings.ToUpper(c.Name)) {
			return c, nil
		}
	}
	type scored struct {
		c    CarbonIntensity
		dist int
	}
	var near []scored
	for _, c := range table {
		d := min(suggest.Distance(q, c.Region), suggest.Distance(q, strings.ToUpper(c.Name)))
		if c.ISO2 != "" {
			d = min(d, suggest.Distance(q, c.ISO2))
		}
		near = append(near, scored{c, d})
	}
	slices.SortStableFunc(near, func(a, b scored) int { return a.dist - b.dist })
	var names []string
	for _, s := range near[:3] {
		names = append(names, fmt.Sprintf("%s (%s)", s.c.Region, s.c.Name))
	}
	return CarbonIntensity{}, fmt.Errorf("no carbon intensity for region %q; closest: %s; or give the intensity in g/kWh", code, strings.Join(names, ", "))
}

// resolveCarbon picks the intensity: an explicit figure wins, then the
// country, then the world average with a warning.
func resolveCarbon(opts Options) (Carbon, []string, error) {
	pue := opts.PUE
	if pue == 0 {
		pue = 1
	}
	if !(pue >= 1) || pue > 10 {
		return Carbon{}, nil, fmt.Errorf("PUE %v: want a number from 1 (no overhead) to 10", opts.PUE)
	}
	switch {
	case opts.CarbonIntensity < 0 || opts.CarbonIntensity != opts.CarbonIntensity:
		return Carbon{}, nil, fmt.Errorf("carbon intensity %v g/kWh: want a positive number", opts.CarbonIntensity)
	case opts.CarbonIntensity > 0:
		c := CarbonIntensity{GCO2eqPerKWh: opts.CarbonIntensity, Name: "user-given", Source: "explicit intensity option"}
		if opts.CountryISO != "" {
			c.Name = "user-given for " + opts.CountryISO
		}
		if opts.CarbonName != "" {
			c.Name, c.Source = opts.CarbonName, opts.CarbonSource
		}
		return Carbon{CarbonIntensity: c, PUE: pue}, nil, nil
	case opts.CountryISO != "":
		c, err := LookupCarbonIntensity(opts.CountryISO)
		if err != nil {
			return Carbon{}, nil, err
		}
		return Carbon{CarbonIntensity: c, PUE: pue}, nil, nil
	}
	c, err := LookupCarbonIntensity(WorldRegion)
	if err != nil {
		return Carbon{}, nil, err
	}
	return Carbon{CarbonIntensity: c, PUE: pue}, []string{"no country or carbon intensity given: carbon figures use the world average"}, nil
}
