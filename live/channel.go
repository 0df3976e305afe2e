package live

import (
	"math"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// A channel follows one meter channel: its latest power and its energy
// since the first reading of the run.
//
// The energy follows the same rules as the analysis, so that the live
// figure and summary.json tell the same story: a channel with an energy
// counter gives the counter's delta (a decrease is a wrap when the
// channel's range is known, else a reset after which the counter counts
// from zero), a channel with power only is integrated with the trapezoidal
// rule over the readings' own timestamps. Unlike the analysis it works
// reading by reading, with no look-back: it is a live view, not the
// figure of record.
type channel struct {
	component meter.Component

	watts    float64 // latest power; NaN until there is one
	measured bool    // the meter reports power itself (else watts is derived)

	joules float64 // energy since the channel's first reading

	hasCounter bool
	counter    float64   // last raw counter value, joules
	counterAt  time.Time // when it was read

	hasPower bool
	powerW   float64 // last power sample used for integration
	powerAt  time.Time

	resets, wraps int
}

func newChannel() *channel {
	return &channel{watts: math.NaN()}
}

// add takes one reading. maxRange is the value at which the channel's
// counter wraps to zero, 0 when unknown.
func (c *channel) add(r meter.Reading, maxRange float64) {
	c.component = r.Component
	if finite(r.Watts) {
		c.watts, c.measured = r.Watts, true
	}
	if finite(r.Joules) && r.Joules >= 0 {
		c.addCounter(r, maxRange)
		return
	}
	if finite(r.Watts) && !c.hasCounter {
		c.addPower(r)
	}
}

// addCounter adds the counter's step since the last reading.
func (c *channel) addCounter(r meter.Reading, maxRange float64) {
	if !c.hasCounter {
		// The first counter reading is the zero of the run's energy.
		c.hasCounter, c.counter, c.counterAt = true, r.Joules, r.Time
		return
	}
	if !r.Time.IsZero() && !c.counterAt.IsZero() && !r.Time.After(c.counterAt) {
		return // stale or repeated reading: its step is already counted
	}
	d := r.Joules - c.counter
	if d < 0 {
		if maxRange > 0 && c.counter <= maxRange {
			d += maxRange
			c.wraps++
		} else {
			// The counter restarted from zero (a driver reload, an
			// exporter restart): what it reads now is the energy since.
			// The energy between the last reading and the reset is lost.
			d = r.Joules
			c.resets++
		}
	}
	if !c.measured {
		// A counter-only channel (RAPL) shows the average power of its
		// last interval, so that the power panel has every channel.
		if dt := r.Time.Sub(c.counterAt).Seconds(); dt > 0 && !r.Time.IsZero() && !c.counterAt.IsZero() {
			c.watts = d / dt
		}
	}
	c.joules += d
	c.counter, c.counterAt = r.Joules, r.Time
}

// addPower integrates power from the last sample to this one.
func (c *channel) addPower(r meter.Reading) {
	if r.Time.IsZero() {
		return // no timestamp: nothing to integrate over
	}
	if c.hasPower {
		dt := r.Time.Sub(c.powerAt).Seconds()
		if dt <= 0 {
			return // stale or repeated reading
		}
		// A negative area (a meter reporting negative power) is left out:
		// an energy counter never decreases.
		if e := (c.powerW + r.Watts) / 2 * dt; e > 0 {
			c.joules += e
		}
	}
	c.hasPower, c.powerW, c.powerAt = true, r.Watts, r.Time
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
