package redfish

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// A chassisPlan is what the meter polls for one chassis, decided once at
// start so that every poll costs as few requests as possible.
type chassisPlan struct {
	id, channel   string
	power, energy *source // either may be nil, not both
	note          string  // why a counter was left out, for Sources
}

// maxEnergyStep is the coarsest counter step, in joules, that energy: auto
// accepts: 0.1 Wh, which a 500 W server crosses every 0.72 s, about as
// often as a BMC refreshes its power reading.
const maxEnergyStep = 360.0

// Energy modes.
const (
	energyAuto    = "auto"
	energyCounter = "counter"
	energyPower   = "power"
)

// plan finds the power and energy sources of one chassis. It returns nil
// and the reason when the chassis has none.
func (d *discovery) plan(ctx context.Context, ch *chassis) (*chassisPlan, string, error) {
	p := &chassisPlan{id: lastSegment(ch.path)}
	var (
		energy    *source
		energyNum number
		why       []string
	)
	wantEnergy := d.mode != energyPower
	if uri := ch.EnvironmentMetrics.ID; uri == "" {
		why = append(why, "no EnvironmentMetrics")
	} else {
		var r resource
		err := d.c.get(ctx, uri, &r)
		switch {
		case isStatus(err, http.StatusNotFound):
			why = append(why, "EnvironmentMetrics answers 404")
		case err != nil:
			return nil, "", err
		default:
			if r.PowerWatts != nil && r.PowerWatts.Reading.set {
				p.power = &source{uri: uri, field: fieldEnvPower, scale: 1, what: "EnvironmentMetrics PowerWatts of chassis " + p.id}
			} else {
				why = append(why, "EnvironmentMetrics has no PowerWatts reading")
			}
			if r.EnergykWh != nil && r.EnergykWh.Reading.set {
				energy = &source{uri: uri, field: fieldEnvEnergy, scale: joulesPerKWh, what: "EnvironmentMetrics EnergykWh of chassis " + p.id}
				energyNum = r.EnergykWh.Reading
			}
		}
	}
	if uri := ch.Sensors.ID; uri != "" && (p.power == nil || (wantEnergy && energy == nil)) {
		ps, es, n, err := d.scanSensors(ctx, uri, p.id)
		if err != nil {
			return nil, "", err
		}
		if p.power == nil {
			p.power = ps
		}
		if energy == nil && es != nil {
			energy, energyNum = es, n
		}
		if ps == nil {
			why = append(why, "no Sensors member with ReadingType Power and PhysicalContext Chassis")
		}
	}
	if uri := ch.Power.ID; uri != "" && p.power == nil {
		ps, reason, err := d.powerControl(ctx, uri, p.id)
		if err != nil {
			return nil, "", err
		}
		p.power = ps
		if ps == nil {
			why = append(why, reason)
		}
	} else if uri == "" && p.power == nil {
		why = append(why, "no Power resource")
	}
	p.energy, p.note = d.decideEnergy(energy, energyNum, p.power != nil)
	if p.power == nil && p.energy == nil {
		if energy != nil {
			why = append(why, p.note)
		}
		return nil, strings.Join(why, ", "), nil
	}
	return p, "", nil
}

// decideEnergy applies the energy option to a counter the BMC offers.
func (d *discovery) decideEnergy(energy *source, n number, havePower bool) (*source, string) {
	if energy == nil {
		return nil, ""
	}
	step := n.step() * energy.scale
	switch {
	case d.mode == energyPower:
		return nil, fmt.Sprintf("%s left out (energy: power)", energy.what)
	case d.mode == energyAuto && step > maxEnergyStep*(1+1e-9) && havePower:
		return nil, fmt.Sprintf("%s counts in steps of %s (the BMC prints %s); integrating power instead, which is finer (energy: counter forces the counter)",
			energy.what, formatJoules(step), n.text)
	}
	return energy, ""
}

// scanSensors looks for the chassis-level power and energy sensors.
func (d *discovery) scanSensors(ctx context.Context, uri, id string) (power, energy *source, energyNum number, err error) {
	sensors, err := d.members(ctx, uri)
	if err != nil {
		return nil, nil, number{}, err
	}
	powerTotal := false
	for _, s := range sensors {
		if s.PhysicalContext != "Chassis" || !s.Status.enabled() || !s.Reading.set || s.OdataID == "" {
			continue
		}
		what := fmt.Sprintf("sensor %s (%s) of chassis %s", lastSegment(s.OdataID), s.ReadingType, id)
		switch scale, isEnergy := energyScale[s.ReadingType]; {
		case s.ReadingType == "Power":
			// Prefer the sensor of the total over, say, one input.
			total := s.ElectricalContext == "Total" || s.ElectricalContext == ""
			if power == nil || (total && !powerTotal) {
				power = &source{uri: s.OdataID, field: fieldSensorReading, scale: 1, what: what}
				powerTotal = total
			}
		case isEnergy && energy == nil:
			energy = &source{uri: s.OdataID, field: fieldSensorReading, scale: scale, what: what}
			energyNum = s.Reading
		}
	}
	return power, energy, energyNum, nil
}

// members returns the resources of a collection, expanded in one request
// where the service supports it, else fetched one by one. Members that
// cannot be read or decoded are skipped: a broken fan sensor must not
// stop the meter from finding the power sensor.
func (d *discovery) members(ctx context.Context, uri string) ([]resource, error) {
	var coll collection
	expanded := false
	if d.expand {
		// A BMC may advertise $expand and still refuse it: fall back.
		expanded = d.c.get(ctx, uri+"?$expand=.($levels=1)", &coll) == nil
	}
	if !expanded {
		coll = collection{}
		if err := d.c.get(ctx, uri, &coll); err != nil {
			return nil, err
		}
	}
	out := make([]resource, 0, len(coll.Members))
	for _, raw := range coll.Members {
		var keys map[string]json.RawMessage
		if json.Unmarshal(raw, &keys) != nil {
			continue
		}
		var r resource
		if len(keys) > 1 {
			if json.Unmarshal(raw, &r) != nil {
				continue
			}
		} else {
			var l link
			if json.Unmarshal(raw, &l) != nil || l.ID == "" {
				continue
			}
			if err := d.c.get(ctx, l.ID, &r); err != nil {
				if isStatus(err, http.StatusNotFound) || isDecodeError(err) {
					continue
				}
				return nil, err
			}
			if r.OdataID == "" {
				r.OdataID = l.ID
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// powerControl picks the chassis total from the classic Power resource:
// the first PowerControl member not scoped to a part. Members are never
// added up: Lenovo lists the CPU and memory subsystems after the total.
func (d *discovery) powerControl(ctx context.Context, uri, id string) (*source, string, error) {
	var r resource
	if err := d.c.get(ctx, uri, &r); err != nil {
		if isStatus(err, http.StatusNotFound) {
			return nil, "Power answers 404", nil
		}
		return nil, "", err
	}
	for i, pc := range r.PowerControl {
		switch pc.PhysicalContext {
		case "", "Chassis", "PowerSupply", "SystemBoard":
		default:
			continue
		}
		name := pc.Name
		if name == "" {
			name = pc.MemberID
		}
		if !pc.PowerConsumedWatts.set {
			return nil, fmt.Sprintf("Power PowerControl[%d] (%s) has no PowerConsumedWatts", i, name), nil
		}
		return &source{uri: uri, field: fieldPowerConsumed, index: i, scale: 1,
			what: fmt.Sprintf("Power PowerControl[%d] (%s) PowerConsumedWatts of chassis %s", i, name, id)}, "", nil
	}
	return nil, "Power has no PowerControl member for the whole chassis", nil
}
