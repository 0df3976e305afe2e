package estimate

import (
	"fmt"
	"sort"
	"strings"
)

// A curve maps utilization u in [0, 1] to the share of TDP drawn, given
// the share drawn at zero load.
type curve func(u, minFraction float64) float64

// curves are the power models cpu-estimate offers; see the package doc.
var curves = map[string]curve{
	// TDP × load with a floor: CodeCarbon's CPU._calculate_power_from_cpu_load.
	"linear": func(u, f float64) float64 { return max(u, f) },
	// CodeCarbon 3.x machine mode: load_factor = 0.1 + 0.9 × load³.
	"codecarbon": func(u, f float64) float64 { return f + (1-f)*u*u*u },
}

const defaultCurve = "linear"

func lookupCurve(name string) (curve, error) {
	if c, ok := curves[name]; ok {
		return c, nil
	}
	names := make([]string, 0, len(curves))
	for n := range curves {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown curve %q (curves: %s)", name, strings.Join(names, ", "))
}
