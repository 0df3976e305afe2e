package snmp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

// quantity is what an object measures.
type quantity int

const (
	power  quantity = iota // W, an instantaneous figure
	energy                 // J, a cumulative counter
)

func (q quantity) String() string {
	if q == power {
		return "power"
	}
	return "energy"
}

// An object is one SNMP variable the meter reads, and how its raw value
// becomes watts or joules.
type object struct {
	oid       string // numeric with a leading dot, as gosnmp reports it
	name      string // "rPDU2DeviceStatusPower.1", for messages
	channel   string
	quantity  quantity
	scale     float64 // raw value × scale = W or J
	component meter.Component

	// digitsOID, when set, names an object holding the number of decimal
	// digits of this one (Raritan's …SensorDecimalDigits): the value is
	// raw × scale / divisor, divisor = 10^digits, learned at the first read.
	digitsOID string
	divisor   float64 // 0 or 1: none

	// negativeUnsupported: the MIB answers -1 (or another negative value)
	// where the model does not measure this figure. Presets only; a
	// custom object may legitimately be negative.
	negativeUnsupported bool

	// typ is the SNMP type the agent answered with, recorded at the first
	// read that answered a number (UnknownType until then): the MIB is not
	// loaded, so only the answer tells a Counter32 from a Counter64, and
	// with it where the counter wraps and whether a raw unit is its step.
	typ gosnmp.Asn1BER
}

// describe names the object for error messages: "name (oid)".
func (o *object) describe() string {
	if o.name == "" || o.name == o.oid {
		return o.oid
	}
	return o.name + " (" + o.oid + ")"
}

var oidKeys = []string{"oid", "name", "channel", "kind", "scale", "component"}

var components = map[string]meter.Component{
	"wall": meter.Wall, "gpu": meter.GPU, "cpu": meter.CPU, "dram": meter.DRAM, "other": meter.Other,
}

// customObjects decodes the oids: list.
func customObjects(spec meter.Spec) ([]object, error) {
	items, err := spec.List("oids")
	if err != nil {
		return nil, err
	}
	objs := make([]object, 0, len(items))
	for _, o := range items {
		obj, err := customObject(o)
		if err != nil {
			return nil, err
		}
		objs = append(objs, obj)
	}
	return objs, nil
}

func customObject(o meter.OptionSet) (object, error) {
	var obj object
	if err := o.CheckKeys(oidKeys...); err != nil {
		return obj, err
	}
	raw, err := o.RequiredString("oid")
	if err != nil {
		return obj, err
	}
	if obj.oid, err = normalizeOID(raw); err != nil {
		return obj, o.Errorf("oid", "%v", err)
	}
	if obj.name, err = o.String("name", obj.oid); err != nil {
		return obj, err
	}
	if obj.channel, err = o.String("channel", ""); err != nil {
		return obj, err
	}
	if obj.channel == "" {
		obj.channel = meter.SanitizeChannel(strings.TrimPrefix(obj.name, "."))
	} else if !meter.ValidChannelName(obj.channel) {
		return obj, o.Errorf("channel", "%q may hold only letters, digits, '-', '_' and '.'", obj.channel)
	}
	kind, err := o.RequiredString("kind")
	if err != nil {
		return obj, err
	}
	switch kind {
	case "power":
		obj.quantity = power
	case "energy":
		obj.quantity = energy
	default:
		return obj, o.Errorf("kind", "want power or energy, got %q", kind)
	}
	if obj.scale, err = o.Float("scale", 1); err != nil {
		return obj, err
	}
	if obj.scale == 0 {
		return obj, o.Errorf("scale", "must not be 0: it multiplies the raw value into W or J (e.g. 10 for hundredths of kW, 360000 for tenths of kWh)")
	}
	comp, err := o.String("component", "wall")
	if err != nil {
		return obj, err
	}
	var ok bool
	if obj.component, ok = components[comp]; !ok {
		return obj, o.Errorf("component", "want one of wall, gpu, cpu, dram, other, got %q", comp)
	}
	return obj, nil
}

// normalizeOID checks a numeric OID and gives it the leading dot gosnmp
// uses in its answers. Names such as "PowerNet-MIB::…" need MIB files,
// which the meter deliberately does without.
func normalizeOID(s string) (string, error) {
	s = strings.TrimSpace(s)
	body := strings.TrimPrefix(s, ".")
	if body == "" {
		return "", fmt.Errorf("empty OID")
	}
	for _, part := range strings.Split(body, ".") {
		if _, err := strconv.ParseUint(part, 10, 32); err != nil {
			return "", fmt.Errorf("want a numeric OID such as .1.3.6.1.4.1.318.1.1.30.4.2.1.6.1, got %q "+
				"(MIB names are not resolved: look the number up with snmptranslate -On)", s)
		}
	}
	return "." + body, nil
}

// checkChannels rejects two objects giving the same figure of one channel,
// and a channel that would be two components at once.
func checkChannels(spec meter.Spec, objs []object) error {
	type figure struct {
		channel string
		q       quantity
	}
	seen := map[figure]*object{}
	comp := map[string]meter.Component{}
	for i := range objs {
		o := &objs[i]
		f := figure{o.channel, o.quantity}
		if prev, dup := seen[f]; dup {
			return spec.Errorf("oids", "%s and %s both give the %s of channel %q; give one a distinct channel",
				prev.describe(), o.describe(), o.quantity, o.channel)
		}
		seen[f] = o
		if c, ok := comp[o.channel]; ok && c != o.component {
			return spec.Errorf("oids", "channel %q would be both %s and %s", o.channel, c, o.component)
		}
		comp[o.channel] = o.component
	}
	return nil
}

// value converts a raw answer into W or J.
func (o *object) value(raw float64) float64 {
	v := raw * o.scale
	if o.divisor > 1 {
		v /= o.divisor // dividing by 10^d rounds once; multiplying by 0.1 would not
	}
	return v
}
