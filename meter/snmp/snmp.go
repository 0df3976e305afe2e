package snmp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("snmp", parse) }

// pduMeter reads a PDU's objects through one persistent SNMP session.
type pduMeter struct {
	name    string
	preset  string
	conn    *conn
	objects []object
	oids    []string  // objects' OIDs, in order, for the request
	asked   []*object // the same objects, for error messages
	order   []string  // channels in the order first configured

	mu     sync.Mutex // guards everything below; Read may be called concurrently
	sess   session
	scaled bool // decimal-digit scales (Raritan) have been learned
}

// parse builds the meter whole: its session is dialled on the first Read.
func parse(spec meter.Spec) (meter.Opener, error) {
	if err := spec.CheckKeys(meterKeys...); err != nil {
		return nil, err
	}
	c, err := decodeConn(spec)
	if err != nil {
		return nil, err
	}
	custom, err := customObjects(spec)
	if err != nil {
		return nil, err
	}
	presetName := defaultPreset
	if len(custom) > 0 {
		presetName = customPresetID
	}
	if presetName, err = spec.String("preset", presetName); err != nil {
		return nil, err
	}
	p, ok := presets[presetName]
	if !ok {
		return nil, spec.Errorf("preset", "unknown preset %q (presets: %s)", presetName, keys(presets))
	}
	var pp presetParams
	if pp.unit, err = intOption(spec, "unit", p.defaultUnit); err != nil {
		return nil, err
	}
	if pp.unit < 0 {
		return nil, spec.Errorf("unit", "must not be negative, got %d", pp.unit)
	}
	if pp.inputs, err = intList(spec, "inputs"); err != nil {
		return nil, err
	}
	if pp.outlets, err = intList(spec, "outlets"); err != nil {
		return nil, err
	}
	var objs []object
	if presetName == customPresetID {
		for _, k := range []string{"unit", "inputs", "outlets"} {
			if spec.Has(k) {
				return nil, spec.Errorf(k, "only means something with a preset; with preset: custom, list every object in oids")
			}
		}
		if len(custom) == 0 {
			return nil, spec.Errorf("oids", "preset custom needs oids: to say what to read")
		}
	} else {
		if len(pp.outlets) > 0 && p.outlet == nil {
			return nil, spec.Errorf("outlets", "preset %s has no per-outlet objects (%s); use oids for them", presetName, p.describe)
		}
		objs = p.build(pp)
	}
	objs = append(objs, custom...)
	if err := checkChannels(spec, objs); err != nil {
		return nil, err
	}
	m := &pduMeter{name: spec.Name, preset: presetName, conn: c, objects: objs}
	seen := map[string]bool{}
	for i, o := range objs {
		m.oids = append(m.oids, o.oid)
		m.asked = append(m.asked, &m.objects[i])
		if !seen[o.channel] {
			seen[o.channel] = true
			m.order = append(m.order, o.channel)
		}
	}
	m.sess.c = c
	return meter.Ready(m), nil
}

func (m *pduMeter) Name() string { return m.name }

// Close closes the session's socket; a later Read opens a new one.
func (m *pduMeter) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sess.close()
}

// Read asks the agent for every object in one request (or a few, for
// many outlets) and returns one reading per channel.
func (m *pduMeter) Read(ctx context.Context) ([]meter.Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	limit := m.sess.limit(ctx)
	if err := m.sess.open(ctx); err != nil {
		return nil, m.fail(ctx, err, limit)
	}
	if !m.scaled {
		if err := m.learnScales(ctx); err != nil {
			return nil, err
		}
		m.scaled = true
	}
	vars, ae, err := m.sess.get(ctx, m.oids)
	if err != nil {
		return nil, m.fail(ctx, err, limit)
	}
	if ae != nil {
		return nil, m.statusError(ae, m.asked)
	}
	return m.readings(vars)
}

// fail explains a failed request, probing the agent when an SNMPv3
// failure hides its cause.
func (m *pduMeter) fail(ctx context.Context, err error, limit time.Duration) error {
	explained := m.requestError(err, limit)
	if d := m.diagnoseV3(ctx, explained); d != nil {
		return d
	}
	return explained
}

// readings turns the answered variables into one Reading per channel.
func (m *pduMeter) readings(vars []gosnmp.SnmpPDU) ([]meter.Reading, error) {
	byChannel := make(map[string]*meter.Reading, len(m.order))
	out := make([]meter.Reading, len(m.order))
	for i, ch := range m.order {
		out[i] = meter.Reading{Meter: m.name, Channel: ch, Watts: meter.NoValue, Joules: meter.NoValue}
		byChannel[ch] = &out[i]
	}
	var errs []error
	for i := range m.objects {
		o := &m.objects[i]
		raw, err := number(vars[i])
		switch {
		case errors.Is(err, errMissing):
			errs = append(errs, m.missingError(o))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %v", o.describe(), err))
			continue
		case raw < 0 && o.negativeUnsupported:
			errs = append(errs, fmt.Errorf("%s is %v: the PDU reports this figure as not supported by this model; wrong preset?", o.describe(), raw))
			continue
		}
		if o.typ == gosnmp.UnknownType {
			o.typ = vars[i].Type
		}
		v := o.value(raw)
		r := byChannel[o.channel]
		r.Component = o.component
		if o.quantity == power {
			r.Watts = v
		} else {
			r.Joules = v
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// learnScales reads the decimal-digit objects (Raritan) once per meter:
// they describe the PDU's sensors, not the moment.
func (m *pduMeter) learnScales(ctx context.Context) error {
	var oids []string
	var asked []*object
	for i := range m.objects {
		if o := &m.objects[i]; o.digitsOID != "" {
			oids = append(oids, o.digitsOID)
			asked = append(asked, &object{oid: o.digitsOID, name: digitsName(o), quantity: power})
		}
	}
	if len(oids) == 0 {
		return nil
	}
	limit := m.sess.limit(ctx)
	vars, ae, err := m.sess.get(ctx, oids)
	if err != nil {
		return m.fail(ctx, err, limit)
	}
	if ae != nil {
		return m.statusError(ae, asked)
	}
	digits := make([]float64, len(vars))
	for i, v := range vars {
		d, err := number(v)
		switch {
		case errors.Is(err, errMissing):
			return m.missingError(asked[i])
		case err != nil:
			return fmt.Errorf("%s %v", asked[i].describe(), err)
		case d < 0 || d > 9 || d != math.Trunc(d):
			return fmt.Errorf("%s should be a number of decimal digits from 0 to 9, got %v", asked[i].describe(), d)
		}
		digits[i] = d
	}
	j := 0
	for i := range m.objects {
		if o := &m.objects[i]; o.digitsOID != "" {
			o.divisor = math.Pow(10, digits[j])
			j++
		}
	}
	return nil
}

// digitsName names a Raritan decimal-digits object after its value object:
// measurementsInletSensorValue.1.1.activePower → inletSensorDecimalDigits.1.1.activePower.
func digitsName(o *object) string {
	name := o.name
	for _, kind := range []string{"Inlet", "Outlet"} {
		prefix := "measurements" + kind + "SensorValue"
		if strings.HasPrefix(name, prefix) {
			return strings.ToLower(kind[:1]) + kind[1:] + "SensorDecimalDigits" + strings.TrimPrefix(name, prefix)
		}
	}
	return o.digitsOID
}

// ReadTimeout covers every try of a read: timeout × (retries + 1)
// (meter.ReadTimeouter).
func (m *pduMeter) ReadTimeout() time.Duration {
	return m.conn.timeout * time.Duration(m.conn.retries+1)
}
