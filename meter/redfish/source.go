package redfish

import (
	"fmt"
)

// A source is one figure the meter polls: which resource to GET and which
// property of it to read.
type source struct {
	uri   string  // resource to GET on every poll
	field field   // property to read
	index int     // PowerControl member, for fieldPowerConsumed
	scale float64 // joules per unit for energy, 1 for watts
	what  string  // "EnvironmentMetrics PowerWatts", for messages
}

type field int

const (
	fieldEnvPower      field = iota // EnvironmentMetrics PowerWatts.Reading
	fieldEnvEnergy                  // EnvironmentMetrics EnergykWh.Reading
	fieldSensorReading              // Sensor Reading
	fieldPowerConsumed              // Power PowerControl[index].PowerConsumedWatts
)

// Joules per unit of each energy ReadingType a Sensor can have.
var energyScale = map[string]float64{
	"EnergykWh":    3.6e6,
	"EnergyWh":     3600,
	"EnergyJoules": 1,
}

const joulesPerKWh = 3.6e6

// value reads the source's figure from a decoded resource, in watts or
// joules.
func (s *source) value(r *resource) (float64, error) {
	n, err := s.number(r)
	if err != nil {
		return 0, err
	}
	if n.v < 0 {
		return 0, fmt.Errorf("%s reads %s, a negative value", s.what, n.text)
	}
	return n.v * s.scale, nil
}

func (s *source) number(r *resource) (number, error) {
	var n number
	switch s.field {
	case fieldEnvPower:
		if r.PowerWatts != nil {
			n = r.PowerWatts.Reading
		}
	case fieldEnvEnergy:
		if r.EnergykWh != nil {
			n = r.EnergykWh.Reading
		}
	case fieldSensorReading:
		n = r.Reading
	case fieldPowerConsumed:
		if s.index >= len(r.PowerControl) {
			return n, fmt.Errorf("%s: the Power resource now lists %d PowerControl members", s.what, len(r.PowerControl))
		}
		n = r.PowerControl[s.index].PowerConsumedWatts
	}
	if !n.set {
		return n, fmt.Errorf("%s has no reading now (missing or null); is the server powered on?", s.what)
	}
	return n, nil
}
