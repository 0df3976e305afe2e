package influx

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// inventory is what a database or bucket holds, to explain an empty answer.
type inventory struct {
	measurements []string
	targets      []string // values of the target tag in the measurement
}

// newerMeasurement and newerField are what PowerAPI releases since 2025
// write instead of power_consumption/power.
const (
	newerMeasurement = "powerrep"
	newerField       = "power_estimation"
)

// noPoints explains why a query found nothing. span says which time range
// ("in the last 30s", "between … and …"); targets are the ones missing.
func (m *Meter) noPoints(ctx context.Context, d dialect, span string, sel *selection) error {
	msg := fmt.Sprintf("no points of %s.%s for %s %s in %s at %s; is SmartWatts running and writing to %s?",
		sel.measurement, sel.field, sel.describe(), span, d.where(), m.cfg.shown, d.where())
	inv, err := d.inventory(ctx, sel)
	if err == nil {
		if h := inv.hint(sel, d.where()); h != "" {
			msg += " (" + h + ")"
		}
	}
	return errors.New(msg)
}

func (inv inventory) hint(sel *selection, where string) string {
	switch {
	case !slices.Contains(inv.measurements, sel.measurement):
		h := fmt.Sprintf("%s has no measurement %q", where, sel.measurement)
		if len(inv.measurements) > 0 {
			h += "; it has " + strings.Join(inv.measurements, ", ")
		}
		if slices.Contains(inv.measurements, newerMeasurement) {
			h += fmt.Sprintf("; newer PowerAPI writes measurement %s with field %s: set measurement: %s and field: %s",
				newerMeasurement, newerField, newerMeasurement, newerField)
		}
		return h
	case len(inv.targets) == 0:
		return fmt.Sprintf("its points carry no %q tag; set target_tag", sel.targetTag)
	}
	h := fmt.Sprintf("targets in %s: %s", sel.measurement, strings.Join(inv.targets, ", "))
	wanted := sel.targets
	if sel.all {
		wanted = nil
		for _, t := range inv.targets {
			if !isAggregate(t) {
				wanted = append(wanted, t)
			}
		}
	}
	for _, t := range wanted {
		if !slices.Contains(inv.targets, t) {
			return h
		}
	}
	if len(wanted) > 0 {
		h += "; so SmartWatts wrote them, but not in this time range: did it stop, or do this host's and SmartWatts' clocks differ?"
	}
	return h
}
